// Home: search as you type (debounced) and on submit, most requested services, categories.
import { api } from './api.js';
import { t } from './i18n/index.js';
import { el } from './text.js';
import { $, initPage, setTitle, setState, pagedList, serviceCard, categoryHref, excerpt } from './ui.js';

const DEBOUNCE_MS = 300;

const cityReady = initPage();
let city = null;
const form = $('#search-form');
const input = $('#q');
const status = $('#search-status');
const results = $('#results');

let currentQ = '';
let seq = 0;
let controller = null;
let timer = 0;

const announce = (q, n, more) => {
  status.textContent = n === 0 ? t('search.none', { q })
    : more ? t('search.countMore', { count: n, q }) : t('search.count', { count: n, q });
};

const pager = pagedList($('#results-list'), $('#results-more'), {
  showCategory: true,
  fetchMore: (cursor) => api.services({ q: currentQ, cursor }),
  onMore: (page, n) => announce(currentQ, n, Boolean(page.next)),
  onError: () => { status.textContent = t('error.searchFailed'); },
});

function clearSearch() {
  seq += 1;
  controller?.abort();
  results.hidden = true;
  $('#popular').hidden = $('#popular-list').children.length === 0;
  status.textContent = '';
  setTitle(t('home.title'), city);
}

async function search(raw, { force = false } = {}) {
  const q = raw.trim().replace(/\s+/g, ' ');
  if (q === currentQ && !force) return;
  currentQ = q;
  history.replaceState(null, '', q ? `/?q=${encodeURIComponent(q)}` : '/');
  if (!q) return clearSearch();
  const mine = ++seq;
  controller?.abort();
  controller = new AbortController();
  try {
    const page = await api.services({ q }, { signal: controller.signal });
    if (mine !== seq) return;
    pager.show(page);
    results.hidden = false;
    $('#popular').hidden = true;
    announce(q, page.items.length, Boolean(page.next));
    setTitle(t('search.pageTitle', { q }), city);
  } catch (err) {
    if (err.name === 'AbortError' || mine !== seq) return;
    status.textContent = t('error.searchFailed');
  }
}

input.addEventListener('input', () => {
  clearTimeout(timer);
  const value = input.value;
  // Results as you type from two characters; an emptied box clears them at once.
  if (value.trim().length === 1) return;
  timer = setTimeout(() => search(value), value.trim() ? DEBOUNCE_MS : 0);
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(timer);
  search(input.value, { force: true });
});

function categoryCard(category) {
  return el('li', { class: 'card card-category' },
    el('h3', { class: 'card-title' }, el('a', { href: categoryHref(category.slug), text: category.title })),
    category.description && el('p', { text: excerpt(category.description) }),
    el('p', { class: 'card-meta', text: t('category.count', { count: category.service_count }) }));
}

async function loadHome() {
  const [profile, categories, popular] = await Promise.all([
    cityReady, api.categories(), api.featured(),
  ]);
  city = profile;
  $('#category-list').replaceChildren(...categories.items.map(categoryCard));
  // The city's choice (`featured` in its city.toml); no list when it names none.
  $('#popular-list').replaceChildren(...popular.items.map((s) => serviceCard(s)));
  $('#popular').hidden = popular.items.length === 0 || Boolean(currentQ);
  if (currentQ) setTitle(t('search.pageTitle', { q: currentQ }), city);
  else setTitle(t('home.title'), city);
}

const initialQ = new URLSearchParams(location.search).get('q') || '';
if (initialQ) input.value = initialQ;
try {
  await Promise.all([loadHome(), initialQ && search(initialQ)]);
  setState('ready');
} catch (err) {
  city = await cityReady;
  setTitle(t('home.title'), city);
  $('#popular').hidden = true;
  $('#themes').replaceWith(el('div', { class: 'callout callout-error' },
    el('p', { class: 'callout-title', text: t(err?.status === 0 ? 'error.network' : 'error.generic') }),
    err?.detail && el('p', { text: err.detail }),
    el('p', {}, el('a', { href: '/', text: t('error.retry') }))));
  setState('error');
}
