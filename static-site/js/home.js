// Home: search as you type (debounced) and on submit, each search counted for the city once
// it settles (its indicators). The city's featured services and
// its categories are in the page as built (shared/site), readable without JavaScript.
import { api, count } from './api.js';
import { t } from './i18n/index.js';
import { $, initPage, setTitle, setState, pagedList } from './ui.js';

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

/** A search is counted for the city once it settles: sent, or left as it is for a while. */
const SETTLED_MS = 2000;
let settling;
let counted = '';
function settled(q, { now = false } = {}) {
  clearTimeout(settling);
  settling = setTimeout(() => {
    if (q === counted) return;
    counted = q;
    count('catalogue/searches', { q });
  }, now ? 0 : SETTLED_MS);
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
    settled(q, { now: force });
    setTitle(t('search.pageTitle', { q }), city);
  } catch (err) {
    if (err.name === 'AbortError' || mine !== seq) return;
    status.textContent = t('error.searchFailed');
  }
}

input.addEventListener('input', () => {
  clearTimeout(timer);
  clearTimeout(settling);
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

const initialQ = new URLSearchParams(location.search).get('q') || '';
if (initialQ) input.value = initialQ;
city = await cityReady;
if (initialQ) await search(initialQ);
else setTitle(t('home.title'), city);
setState('ready');
