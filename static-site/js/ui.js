// Page plumbing shared by every page: shell, title, breadcrumb, error state, service cards.
import { t, translatePage, lang } from './i18n/index.js';
import { loadCity, renderCity } from './city.js';
import { el, parseText } from './text.js';
import { renderAccountLink } from './session.js';

export const $ = (selector) => document.querySelector(selector);

/** Translate static strings and start loading the city; resolves to the profile (or null). */
export function initPage() {
  translatePage();
  const city = loadCity();
  city.then(renderCity);
  renderAccountLink();
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
  const nav = $('#breadcrumb');
  if (nav) nav.hidden = true;
  const message = missing ? t(notFound) : t(err?.status === 0 ? 'error.network' : 'error.generic');
  $('#page-content').replaceChildren(el('div', { class: 'callout callout-error' },
    el('p', { class: 'callout-title', text: message }),
    !missing && err?.detail && el('p', { text: err.detail }),
    el('ul', { class: 'inline-links' },
      !missing && el('li', {}, el('a', { href: location.pathname + location.search + location.hash, text: t('error.retry') })),
      el('li', {}, el('a', { href: '/', text: t('error.backHome') })))));
  setState('error');
}

// The catalogue's pages, built for the city (shared/site/src/addresses.rs).
export const serviceHref = (slug) => `/demarches/${encodeURIComponent(slug)}/`;
export const categoryHref = (slug) => `/themes/${encodeURIComponent(slug)}/`;

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

/** A callout: kind is 'info', 'success' or 'error'; the title says what it is (never colour only). */
export function callout(kind, title, ...body) {
  return el('div', { class: `callout callout-${kind}` },
    el('p', { class: 'callout-title', text: title }), ...body);
}

/** The message of an API failure: the server's French detail, or a generic one. */
export function failureMessage(err) {
  if (err?.status === 0) return t('error.network');
  if (err?.status === 429) return err.detail || t('error.rateLimited');
  return err?.detail || t('error.generic');
}

/** A date (ISO string or YYYY-MM-DD) in words, « 15 mars 2027 » (with the time if asked). */
export function formatDate(value, { time = false } = {}) {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return String(value ?? '');
  if (time && !dateOnly && lang !== 'en') {
    // « 7 décembre 2026 à 16 h 30 »: the time as the emails and the booking pages write it.
    const day = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long' }).format(date);
    const parts = new Intl.DateTimeFormat('fr-FR', { hour: 'numeric', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
    const part = (type) => parts.find((p) => p.type === type)?.value || '';
    return `${day} à ${Number(part('hour'))}\u00a0h\u00a0${part('minute')}`;
  }
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'fr-FR', {
    dateStyle: 'long', ...(time && !dateOnly ? { timeStyle: 'short' } : {}), ...(dateOnly ? { timeZone: 'UTC' } : {}),
  }).format(date);
}

/** A same-site path to go back to after signing in (never another site), or the fallback. */
export function safeReturn(value, fallback = '/compte/') {
  // Browsers drop tabs and newlines from addresses (« /\t/evil » is « //evil »): resolve, then compare.
  if (typeof value !== 'string' || !/^\/(?![\/\\])/.test(value) || /[\u0000-\u001f\\]/.test(value)) return fallback;
  try {
    const url = new URL(value, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
  } catch {
    return fallback;
  }
}

/** The fragment of the address, decoded (a malformed escape is kept as typed). */
export function fragment() {
  const raw = location.hash.slice(1);
  try { return decodeURIComponent(raw).trim(); } catch { return raw.trim(); }
}

/** Run `action` with the button marked busy (and disabled if asked); a second click meanwhile does nothing. */
export async function whileBusy(button, action, { disable = false } = {}) {
  if (button.getAttribute('aria-busy') === 'true') return undefined;
  button.setAttribute('aria-busy', 'true');
  if (disable) button.disabled = true;
  try {
    return await action();
  } finally {
    button.removeAttribute('aria-busy');
    if (disable) button.disabled = false;
  }
}

/** Move focus to an element (made focusable by script if needed) and bring it into view. */
export function focusOn(node) {
  if (!node) return;
  if (!node.matches('a[href], button, input, select, textarea, [tabindex]')) node.setAttribute('tabindex', '-1');
  node.focus({ preventScroll: true });
  node.scrollIntoView({ block: 'start' });
}
