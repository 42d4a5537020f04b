// Service presentation page: everything a citizen should know before starting.
import { api, ApiError } from './api.js';
import { t } from './i18n/index.js';
import { el, renderText } from './text.js';
import { link } from './city.js';
import { $, initPage, setTitle, setState, breadcrumb, showError, categoryHref } from './ui.js';

const cityReady = initPage();
const slug = new URLSearchParams(location.search).get('slug');

const filled = (value) => (Array.isArray(value) ? value.length > 0 : Boolean(value && String(value).trim()));

// « Au guichet », « Par téléphone »…; an unknown kind falls back to the channel's own label.
const channelKind = (c) => (['counter', 'phone', 'post', 'email'].includes(c.kind) ? t(`channel.${c.kind}`) : c.label);

// Each section: id (anchor), title key, and how to render its content.
const SECTIONS = [
  ['a-quoi-sert', 'service.purpose', (p) => p.purpose],
  ['qui-peut', 'service.audience', (p) => p.audience],
  ['conditions', 'service.conditions', (p) => p.conditions],
  ['deroulement', 'service.process', (p) => p.process],
  ['etapes', 'service.steps', (p) => p.steps, (steps) => el('ol', { class: 'steps' },
    steps.map((step) => el('li', {},
      el('h3', { text: step.title }),
      filled(step.description) && renderText(step.description))))],
  ['pieces', 'service.documents', (p) => p.documents, (docs) => el('ul', { class: 'documents' },
    docs.map((doc) => el('li', {},
      el('h3', { text: doc.title }),
      filled(doc.description) && renderText(doc.description),
      filled(doc.when) && el('p', { class: 'doc-when' },
        el('strong', { text: t('service.documentWhen') }), ' ', doc.when))))],
  ['delai', 'service.delay', (p) => p.delay],
  ['cout', 'service.cost', (p) => p.cost],
  ['autres-facons', 'service.channels', (p) => p.channels, (channels) => el('ul', { class: 'channels' },
    channels.map((c) => el('li', { class: `channel channel-${c.kind}` },
      el('h3', { text: channelKind(c) }),
      filled(c.label) && c.label.trim() !== channelKind(c) && el('p', { class: 'channel-label', text: c.label }),
      filled(c.details) && el('p', { class: 'pre', text: c.details }))))],
  ['en-savoir-plus', 'service.links', (p) => p.links, (links) => el('ul', { class: 'links' },
    links.map((l) => el('li', {}, link(l.url, l.label))))],
];

// A "start" value may be a URL string or an object carrying one; anything else is not a start.
const startUrl = (start) => (typeof start === 'string' ? start : start?.url || start?.href || null);

/** The booking page of the service's appointment type (with ?type=). */
const bookingHref = (type) => `/rendez-vous/?type=${encodeURIComponent(type)}`;

/**
 * « Prendre rendez-vous » when the service books an appointment: the start itself for a
 * service without a form; after the form's button, with what comes when, for one with a form.
 */
function appointmentBlock(service) {
  const type = service.appointment?.type;
  if (!type) return null;
  const link = (large) => el('a', { class: `button${large ? ' button-large' : ' button-secondary'}`, href: bookingHref(type), text: t('service.book') });
  if (!service.has_form) return el('p', { class: 'start' }, link(true));
  return el('div', { class: 'start-appointment' },
    el('p', { text: t(service.appointment.required ? 'service.bookAfterForm' : 'service.bookToo') }),
    el('p', {}, link(false)));
}

/** The online form of this portal (has_form), else a `start` address elsewhere, else the other ways. */
function startBlock(service, hasChannels) {
  if (!service.has_form && service.appointment?.type) return appointmentBlock(service);
  if (service.has_form) {
    return el('p', { class: 'start' }, el('a', {
      class: 'button button-large', href: `/demarche.html?service=${encodeURIComponent(service.slug)}`, text: t('service.startOnline'),
    }));
  }
  const url = startUrl(service.start);
  if (url) {
    return el('p', { class: 'start' }, el('a', { class: 'button button-large', href: url, text: t('service.start') }));
  }
  return el('div', { class: 'callout callout-info' },
    el('p', { class: 'callout-title', text: t('service.notOnline') }),
    el('p', {}, t('service.notOnlineHint'), ' ',
      el('a', { href: hasChannels ? '#autres-facons' : '#contact', text: t('service.seeChannels') }), '.'));
}

/** Whether the service starts from this site: its form, a start address, or booking its appointment. */
const startsOnline = (service) => service.has_form || Boolean(startUrl(service.start)) || Boolean(service.appointment?.type);

/** The first paragraph of a plain text (paragraphs are separated by a blank line). */
const firstParagraph = (text) => String(text || '').trim().split(/\n\s*\n/)[0].replace(/\n- /g, ' ').trim();

/**
 * « En bref », before anything else: who, how long, how much, whether it is done
 * online, what to bring; each row links to its full section further down.
 */
function summaryBox(service, sections) {
  const p = service.presentation || {};
  const has = (id) => sections.some(([section]) => section === id);
  const more = (id, text) => has(id) && el('a', { class: 'summary-more', href: `#${id}`, text });
  const online = startsOnline(service);
  const documents = p.documents || [];
  const rows = [
    filled(p.audience) && [t('service.audience'), firstParagraph(p.audience), more('qui-peut', t('service.moreAudience'))],
    filled(p.delay) && [t('service.delay'), p.delay],
    filled(p.cost) && [t('service.cost'), p.cost],
    // When it is not online, the note right below points to the other ways.
    [t('service.online'), t(online ? 'service.onlineYes' : 'service.onlineNo')],
    [t('service.bring'), documents.length === 0 ? t('service.bringNothing')
      : el('ul', { class: 'summary-documents' }, documents.map((doc) => el('li', {},
        doc.title, filled(doc.when) && ` (${t('service.whenCase')})`))),
    documents.length > 0 && more('pieces', t('service.moreDocuments'))],
  ].filter(Boolean);
  return el('section', { class: 'service-summary', 'aria-labelledby': 'en-bref-title' },
    el('h2', { id: 'en-bref-title', text: t('service.summary') }),
    el('dl', { class: 'summary-list' }, rows.map(([term, value, link]) => el('div', { class: 'summary-row' },
      el('dt', { text: term }),
      el('dd', {}, value, link && ' ', link || null)))));
}

function render(service) {
  const presentation = service.presentation || {};
  const sections = SECTIONS.filter(([, , pick]) => filled(pick(presentation)));
  const hasChannels = sections.some(([id]) => id === 'autres-facons');
  $('#page-title').textContent = service.title;
  breadcrumb([
    ...(service.category ? [{ label: service.category.title, href: categoryHref(service.category.slug) }] : []),
    { label: service.title },
  ]);
  $('#page-content').replaceChildren(el('div', { class: 'service-layout' },
    filled(service.summary) && el('div', { class: 'lead' }, renderText(service.summary)),
    summaryBox(service, sections),
    startBlock(service, hasChannels),
    service.has_form && appointmentBlock(service),
    sections.length > 1 && el('nav', { class: 'toc', 'aria-labelledby': 'toc-title' },
      el('h2', { id: 'toc-title', class: 'toc-title', text: t('service.onThisPage') }),
      el('ul', {}, sections.map(([id, key]) => el('li', {}, el('a', { href: `#${id}`, text: t(key) }))))),
    ...sections.map(([id, key, pick, renderList]) => el('section', { class: 'section', id, 'aria-labelledby': `${id}-title` },
      el('h2', { id: `${id}-title`, text: t(key) }),
      renderList ? renderList(pick(presentation)) : renderText(pick(presentation)))),
    // Once everything is read, the way to start is here again, not a long scroll back up.
    sections.length > 1 && startsOnline(service) && el('div', { class: 'start-again' }, startBlock(service, hasChannels)),
  ));
}

try {
  if (!slug) throw new ApiError({ status: 404 });
  const [city, service] = await Promise.all([cityReady, api.service(slug)]);
  render(service);
  setTitle(service.title, city);
  setState('ready');
  // A link to a section (…#pieces) works once the content exists.
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
} catch (err) {
  showError(err, await cityReady, { notFound: 'service.notFound', notFoundTitle: 'service.notFoundTitle' });
}
