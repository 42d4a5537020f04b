// Page plumbing shared by every page: shell, title, breadcrumb, error state, service cards.
import { t, translatePage } from './i18n/index.js';
import { loadCity, renderCity } from './city.js';
import { el, parseText } from './text.js';

export const $ = (selector) => document.querySelector(selector);

/** Translate static strings and start loading the city; resolves to the profile (or null). */
export function initPage() {
  translatePage();
  const city = loadCity();
  city.then(renderCity);
  return city;
}

/** « Page – City name ». */
export function setTitle(title, city) {
  document.title = `${title} – ${city?.short_name || city?.name || t('site.name')}`;
}

/** Mark the page as loaded (tests wait for html[data-state]). */
export function setState(state) {
  document.documentElement.dataset.state = state;
  $('main')?.removeAttribute('aria-busy');
}

/** Fill the breadcrumb: items [{ label, href }], the last one is the current page. */
export function breadcrumb(items) {
  const nav = $('#breadcrumb');
  const all = [{ label: t('site.home'), href: '/' }, ...items];
  nav.replaceChildren(el('ol', {}, all.map((item, i) => el('li', {},
    i === all.length - 1
      ? el('span', { 'aria-current': 'page', text: item.label })
      : el('a', { href: item.href, text: item.label })))));
  nav.hidden = false;
}

/** Replace the page content with a friendly error (404 or failure). */
export function showError(err, city, { notFound = 'notFound.text', notFoundTitle = 'notFound.title' } = {}) {
  const missing = err?.status === 404;
  const title = missing ? t(notFoundTitle) : t('error.title');
  $('#page-title').textContent = title;
  setTitle(title, city);
  $('#breadcrumb').hidden = true;
  const message = missing ? t(notFound) : t(err?.status === 0 ? 'error.network' : 'error.generic');
  $('#page-content').replaceChildren(el('div', { class: 'callout callout-error' },
    el('p', { class: 'callout-title', text: message }),
    !missing && err?.detail && el('p', { text: err.detail }),
    el('ul', { class: 'inline-links' },
      !missing && el('li', {}, el('a', { href: location.pathname + location.search, text: t('error.retry') })),
      el('li', {}, el('a', { href: '/', text: t('error.backHome') })))));
  setState('error');
}

export const serviceHref = (slug) => `/service.html?slug=${encodeURIComponent(slug)}`;
export const categoryHref = (slug) => `/categorie.html?slug=${encodeURIComponent(slug)}`;

/** First paragraph of a plain text, for card excerpts. */
export const excerpt = (text) => parseText(text).find((b) => b.type === 'p')?.text || '';

/** A service as a card (h3 + summary). */
export function serviceCard(item, { showCategory = false } = {}) {
  return el('li', { class: 'card' },
    el('h3', { class: 'card-title' }, el('a', { href: serviceHref(item.slug), text: item.title })),
    item.summary && el('p', { text: excerpt(item.summary) }),
    showCategory && item.category_title && el('p', { class: 'card-meta', text: item.category_title }));
}

/**
 * A list of services paged by the API's opaque cursor, with a « Voir plus » button.
 * fetchMore(cursor) returns the next page; after it, focus moves to the first new result.
 */
export function pagedList(list, more, { fetchMore, onMore, onError, showCategory = false }) {
  let cursor = null;
  let generation = 0;
  let busy = false;
  function show(page, append = false) {
    if (!append) generation += 1;
    cursor = page.next || null;
    const cards = page.items.map((item) => serviceCard(item, { showCategory }));
    if (append) list.append(...cards); else list.replaceChildren(...cards);
    more.hidden = !cursor;
    return cards[0]?.querySelector('a');
  }
  more.addEventListener('click', async () => {
    if (busy || !cursor) return;
    busy = true;
    more.setAttribute('aria-busy', 'true');
    const mine = generation;
    try {
      const page = await fetchMore(cursor);
      if (mine !== generation) return;
      show(page, true)?.focus();
      onMore?.(page, list.children.length);
    } catch (err) {
      if (onError) onError(err);
      else more.after(el('p', { class: 'form-error', role: 'alert', text: t('error.generic') }));
    } finally {
      busy = false;
      more.removeAttribute('aria-busy');
    }
  });
  return { show, count: () => list.children.length };
}
