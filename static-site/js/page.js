// Static pages (404, the catalogue's pages, …): city header/footer and « <h1> – City »
// title; a service's page tells the city it was read (its indicators, no cookie).
import { initPage, setTitle, setState, $ } from './ui.js';
import { count } from './api.js';

const city = await initPage();
setTitle($('#page-title').textContent, city);
setState('ready');
const service = document.querySelector('main[data-service]')?.dataset.service;
if (service) count(`catalogue/services/${encodeURIComponent(service)}/views`);
