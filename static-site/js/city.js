// The city profile: theme (CSS custom properties), header and footer.
import { api } from './api.js';
import { t } from './i18n/index.js';
import { el, setChildren } from './text.js';

let profile;
/** Load the city profile once per page; resolves to null if the API fails. */
export function loadCity() {
  profile ??= api.city().catch(() => null);
  return profile;
}

// Relative luminance and contrast ratio (WCAG 2) of #rgb / #rrggbb colours.
function luminance(hex) {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex || '');
  if (!m) return null;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
export function contrast(a, b) {
  const [la, lb] = [luminance(a), luminance(b)];
  if (la === null || lb === null) return null;
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Apply the city's colours. A pair that would not be readable is corrected, never shown. */
export function applyTheme(city) {
  const c = city?.colours;
  if (!c || contrast(c.primary, '#ffffff') === null) return;
  const style = document.documentElement.style;
  const onPrimary = (contrast(c.primary, c.on_primary) ?? 0) >= 4.5 ? c.on_primary
    : contrast(c.primary, '#ffffff') >= contrast(c.primary, '#161616') ? '#ffffff' : '#161616';
  style.setProperty('--city-primary', c.primary);
  style.setProperty('--city-on-primary', onPrimary);
  // Links and headings use the primary colour on light backgrounds only if it is readable there.
  style.setProperty('--city-ink', contrast(c.primary, '#f3f3f3') >= 4.5 ? c.primary : '#161616');
  if (contrast(c.accent, '#ffffff') !== null) style.setProperty('--city-accent', c.accent);
  // Focus rings in the accent colour when it stands out on white (non-text contrast ≥ 3:1).
  if (contrast(c.accent, '#ffffff') >= 3) style.setProperty('--focus', c.accent);
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', c.primary);
}

/** True when url leaves this site (http(s) on another origin). */
export function isExternal(url) {
  try {
    const u = new URL(url, location.href);
    return /^https?:$/.test(u.protocol) && u.origin !== location.origin;
  } catch { return false; }
}

/** A link; external ones get rel="noopener" and a textual marker (never colour only). */
export function link(url, label) {
  if (!isExternal(url)) return el('a', { href: url, text: label });
  return el('a', { href: url, rel: 'noopener external', class: 'external' },
    label, el('span', { class: 'sr-only', text: ' ' + t('site.external') }));
}

function renderHeader(city) {
  const brand = document.querySelector('.brand');
  if (!brand) return;
  brand.querySelector('.brand-name').textContent = city.name;
  const tagline = brand.querySelector('.brand-tagline');
  tagline.textContent = city.tagline || '';
  tagline.hidden = !city.tagline;
  // The built site already carries the logo (shared/site): only a page without it gets one.
  if (city.logo && !brand.querySelector('.brand-logo')) {
    // In the home link the name is written beside the logo: an alt repeating it would be read twice.
    const alt = city.logo_alt && city.logo_alt.trim() !== city.name.trim() ? city.logo_alt : '';
    brand.prepend(el('img', { class: 'brand-logo', src: city.logo, alt, width: 56, height: 56 }));
    document.querySelector('link[rel="icon"]')?.setAttribute('href', city.logo);
  }
}

function renderFooter(city) {
  const footer = document.querySelector('.site-footer .container');
  if (!footer) return;
  const contact = city.contact || {};
  const phoneHref = contact.phone ? 'tel:' + contact.phone.replace(/[^\d+]/g, '') : null;
  setChildren(footer,
    el('section', { class: 'footer-contact', id: 'contact', 'aria-labelledby': 'contact-title' },
      el('h2', { id: 'contact-title', text: t('site.contact') }),
      el('address', {},
        el('p', { class: 'footer-city', text: city.name }),
        contact.address && el('p', { class: 'pre', text: contact.address }),
        contact.phone && el('p', {}, t('site.contactPhone'), ' ',
          el('a', { href: phoneHref, text: contact.phone })),
        contact.email && el('p', {}, t('site.contactEmail'), ' ',
          el('a', { href: 'mailto:' + contact.email, text: contact.email })),
        contact.hours && el('p', { class: 'pre', text: t('site.contactHours', { hours: contact.hours }) }))),
    (city.links || []).length > 0 && el('nav', { class: 'footer-links', 'aria-labelledby': 'footer-links-title' },
      el('h2', { id: 'footer-links-title', text: t('site.footerLinks') }),
      el('ul', {}, city.links.map((l) => el('li', {}, link(l.url, l.label))))),
  );
}

/** Apply the profile to the page (theme, header, footer). */
export function renderCity(city) {
  if (!city) return;
  applyTheme(city);
  renderHeader(city);
  renderFooter(city);
}
