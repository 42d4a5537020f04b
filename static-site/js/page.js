// Static pages (404, …): city header/footer and « <h1> – City » title.
import { initPage, setTitle, setState, $ } from './ui.js';

const city = await initPage();
setTitle($('#page-title').textContent, city);
setState('ready');
