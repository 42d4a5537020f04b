// Tiny i18n helper: the page language comes from <html lang>, French by default.
// Only the catalogue of the language shown is loaded: French always (the
// fallback of every key), English only on an English page.
import fr from './fr.js';

/** The other languages, each loaded only when a page is in it. */
const others = { en: () => import('./en.js') };

function pageLang() {
  if (typeof document === 'undefined') return 'fr';
  const code = (document.documentElement.lang || 'fr').slice(0, 2).toLowerCase();
  return code in others ? code : 'fr';
}

export const lang = pageLang();
const messages = lang === 'fr' ? fr : (await others[lang]()).default;
const plurals = new Intl.PluralRules(lang);

/** Translate `key`, filling `{name}` placeholders from `params`. */
export function t(key, params = {}) {
  let msg = messages[key] ?? fr[key];
  if (msg === undefined) return key;
  if (typeof msg === 'object') msg = msg[plurals.select(params.count ?? 0)] ?? msg.other;
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Fill every element carrying data-i18n (text) or data-i18n-<attr> from the catalogue. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['aria-label', 'placeholder', 'alt']) {
    const data = `data-i18n-${attr}`;
    for (const el of root.querySelectorAll(`[${data}]`)) el.setAttribute(attr, t(el.getAttribute(data)));
  }
}

