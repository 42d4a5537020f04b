// admin/indicateurs.html?periode=month|week|year|12m|custom&du=…&au=…&demarche=…&canal=…: the
// city's indicators for supervisors and admins, beside the same period a year earlier: the
// key figures, the funnel, received requests as a bar chart (SVG) with its data table, and
// the figures by service and by channel; « Télécharger » gives the same figures as CSV or ODS. The
// choices live in the address, so the page reloads as seen.
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, setState, formatDate } from '../ui.js';
import { indicators } from './api.js';
import { adminError, initAdmin, adminTitle, allServices, atLeast, channelLabel, CHANNELS, INDICATORS } from './shell.js';

const PERIODS = {
  week: 'admin.indicators.period.week',
  month: 'admin.indicators.period.month',
  year: 'admin.indicators.period.year',
  '12m': 'admin.indicators.period.12m',
  custom: 'admin.indicators.period.custom',
};
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `date` (YYYY-MM-DD) moved by `days`. */
const shift = (date, days) => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** The address's choices; `today` is the city's. */
function choices(today) {
  const query = new URLSearchParams(location.search);
  const period = Object.hasOwn(PERIODS, query.get('periode') || '') ? query.get('periode') : 'month';
  const ranges = {
    week: [shift(today, -6), today],
    month: [`${today.slice(0, 8)}01`, today],
    year: [`${today.slice(0, 5)}01-01`, today],
    '12m': [shift(today, -364), today],
    custom: [DAY.test(query.get('du') || '') ? query.get('du') : `${today.slice(0, 8)}01`, DAY.test(query.get('au') || '') ? query.get('au') : today],
  };
  const [from, to] = ranges[period];
  return { period, from, to, service: query.get('demarche') || '', channel: query.get('canal') || '' };
}

const number = (n) => (n === null || n === undefined ? '–' : new Intl.NumberFormat('fr-FR').format(n));
const decimal = (n) => (n === null || n === undefined ? '–' : new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(n));
const percent = (n) => (n === null || n === undefined ? '–' : `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(n)} %`);
const days = (n) => (n === null || n === undefined ? '–' : t('admin.indicators.days', { count: n }));
const calendarDays = (n) => (n === null || n === undefined ? '–' : t('admin.indicators.calendarDays', { count: n }));

/** The filters' form: a GET to this page, so the choices are in the address. */
function filters(chosen, services) {
  const select = (name, label, options, value) => el('div', { class: 'field' },
    el('label', { for: name, text: label }),
    el('select', { id: name, name, class: 'input' },
      options.map(([v, text]) => el('option', { value: v, text, selected: v === value }))));
  const custom = el('div', { class: 'indicator-dates', hidden: chosen.period !== 'custom' },
    el('div', { class: 'field' }, el('label', { for: 'du', text: t('admin.indicators.from') }), el('input', { id: 'du', name: 'du', type: 'date', class: 'input', value: chosen.from })),
    el('div', { class: 'field' }, el('label', { for: 'au', text: t('admin.indicators.to') }), el('input', { id: 'au', name: 'au', type: 'date', class: 'input', value: chosen.to })));
  const periods = select('periode', t('admin.indicators.period'), Object.entries(PERIODS).map(([p, key]) => [p, t(key)]), chosen.period);
  periods.querySelector('select').addEventListener('change', (event) => { custom.hidden = event.target.value !== 'custom'; });
  return el('form', { class: 'filters indicator-filters', method: 'get', action: INDICATORS },
    periods, custom,
    select('demarche', t('admin.indicators.service'), [['', t('admin.indicators.allServices')], ...services.map((s) => [s.slug, s.title])], chosen.service),
    select('canal', t('admin.indicators.channel'), [['', t('admin.indicators.allChannels')], ...Object.keys(CHANNELS).map((c) => [c, channelLabel(c)])], chosen.channel),
    el('p', { class: 'filter-actions' }, el('button', { type: 'submit', class: 'button', text: t('admin.indicators.show') })));
}

/** One key figure, with last year's beside it. */
const figure = (label, now, before) => el('div', { class: 'indicator' },
  el('dt', { text: label }),
  el('dd', {}, el('span', { class: 'indicator-value', text: now }),
    el('span', { class: 'indicator-before', text: t('admin.indicators.lastYear', { value: before }) })));

function keyFigures(data) {
  const f = data.figures;
  const p = data.previous;
  return el('dl', { class: 'indicators' },
    figure(t('admin.indicators.received'), number(f.received), number(p.received)),
    figure(t('admin.indicators.onlineShare'), percent(f.online_share), percent(p.online_share)),
    figure(t('admin.indicators.decided'), number(f.decided_total), number(p.decided_total)),
    figure(t('admin.indicators.median'), days(f.days_median.all), days(p.days_median.all)),
    figure(t('admin.indicators.p90'), days(f.days_p90.all), days(p.days_p90.all)),
    figure(t('admin.indicators.inTime'), percent(f.in_time_share), percent(p.in_time_share)),
    el('div', { class: 'indicator' }, el('dt', { text: t('admin.indicators.lateNow') }),
      el('dd', {}, el('span', { class: 'indicator-value', text: number(data.late_now) }),
        el('span', { class: 'indicator-before', text: t('admin.indicators.lateNowHint') }))),
    figure(t('admin.indicators.messages'), number(f.messages_citizen + f.messages_agent), number(p.messages_citizen + p.messages_agent)),
    figure(t('admin.indicators.messagesPerRequest'), decimal(f.messages_per_request), decimal(p.messages_per_request)));
}

/** A table with a caption, a header row and rows of cells (the first one a row header). */
function table(caption, head, rows, className = '') {
  return el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    el('table', { class: `table ${className}` },
      el('caption', { text: caption }),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows.map(([first, ...cells]) => el('tr', {},
        el('th', { scope: 'row', text: first }), cells.map((c) => el('td', { text: c })))))));
}

function funnel(data) {
  const row = (label, pick) => [label, number(pick(data.figures)), number(pick(data.previous))];
  const head = [t('admin.indicators.step'), periodLabel(data.period), periodLabel(data.previous_period)];
  return table(t('admin.indicators.funnel'), head, [
    row(t('admin.indicators.drafts'), (f) => f.drafts),
    row(t('admin.indicators.received'), (f) => f.received),
    row(t('admin.indicators.instructed'), (f) => f.instructed),
    row(t('admin.indicators.asked'), (f) => f.asked),
    row(t('admin.indicators.accepted'), (f) => f.decided.accepted),
    row(t('admin.indicators.refused'), (f) => f.decided.refused),
    row(t('admin.indicators.closed'), (f) => f.decided.closed),
  ]);
}

const periodLabel = (p) => t('admin.indicators.range', { from: formatDate(p.from), to: formatDate(p.to) });
const pointLabel = (label) => (label.length === 7
  ? new Intl.DateTimeFormat('fr-FR', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${label}-01T12:00:00Z`))
  : formatDate(label));

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attributes, ...children) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  node.append(...children);
  return node;
};

/**
 * Received requests per day or month as bars, this period's beside last year's; the
 * chart is an image whose words are its data table, right below it.
 */
function chart(data) {
  const points = data.series;
  const max = Math.max(1, ...points.flatMap((p) => [p.received, p.previous_received]));
  const width = 640;
  const height = 200;
  const slot = width / Math.max(points.length, 1);
  const bar = Math.max(1, slot / 2 - 1);
  const y = (n) => height - (n / max) * (height - 10);
  const title = t('admin.indicators.chart');
  const bars = points.flatMap((p, i) => [
    svg('rect', { x: i * slot, y: y(p.previous_received), width: bar, height: height - y(p.previous_received), class: 'bar-before' }),
    svg('rect', { x: i * slot + bar, y: y(p.received), width: bar, height: height - y(p.received), class: 'bar-now' }),
  ]);
  const figureNode = el('figure', { class: 'indicator-chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-caption', focusable: 'false' }, ...bars),
    el('figcaption', { id: 'chart-caption' },
      title, ' ',
      el('span', { class: 'chart-legend chart-legend-now', text: t('admin.indicators.legendNow') }), ' ',
      el('span', { class: 'chart-legend chart-legend-before', text: t('admin.indicators.legendBefore') })));
  const rows = points.map((p) => [pointLabel(p.label), number(p.received), number(p.previous_received), number(p.decided)]);
  return [figureNode, table(t('admin.indicators.chartTable'), [
    t(data.series_by === 'day' ? 'admin.indicators.day' : 'admin.indicators.month'),
    t('admin.indicators.received'), t('admin.indicators.receivedBefore'), t('admin.indicators.decided'),
  ], rows)];
}

function lines(caption, first, list, label) {
  if (list.length === 0) return el('p', { text: t('admin.indicators.nothing') });
  return table(caption, [first, t('admin.indicators.received'), t('admin.indicators.receivedBefore'), t('admin.indicators.decided'), t('admin.indicators.median'), t('admin.indicators.inTime')],
    list.map((l) => [label(l), number(l.figures.received), number(l.previous.received), number(l.figures.decided_total), days(l.figures.days_median.all), percent(l.figures.in_time_share)]));
}

/** The appointments taking place in the period: key figures and each agenda's. */
function appointments(data) {
  const a = data.appointments;
  const b = data.previous_appointments;
  const key = el('dl', { class: 'indicators' },
    figure(t('admin.indicators.bookedOnline'), number(a.booked_online), number(b.booked_online)),
    figure(t('admin.indicators.bookedByAgent'), number(a.booked_by_agent), number(b.booked_by_agent)),
    figure(t('admin.indicators.present'), number(a.present), number(b.present)),
    figure(t('admin.indicators.noShowRate'), percent(a.no_show_rate), percent(b.no_show_rate)),
    figure(t('admin.indicators.cancelled'), number(a.cancelled), number(b.cancelled)),
    figure(t('admin.indicators.cancelledByCitizen'), number(a.cancelled_by_citizen), number(b.cancelled_by_citizen)),
    figure(t('admin.indicators.cancelledByAgent'), number(a.cancelled_by_agent), number(b.cancelled_by_agent)));
  const rows = data.by_agenda.map((l) => [l.label, number(l.figures.booked_online + l.figures.booked_by_agent),
    number(l.figures.present), number(l.figures.no_show), percent(l.figures.no_show_rate), number(l.figures.cancelled),
    calendarDays(l.waits.median_days), calendarDays(l.previous_waits.median_days)]);
  return [key, rows.length === 0 ? el('p', { text: t('admin.indicators.noAppointment') })
    : table(t('admin.indicators.byAgenda'), [t('admin.indicators.agenda'), t('admin.indicators.booked'), t('admin.indicators.present'),
      t('admin.indicators.noShow'), t('admin.indicators.noShowRate'), t('admin.indicators.cancelled'), t('admin.indicators.firstFree'),
      t('admin.indicators.firstFreeBefore')], rows)];
}

/** What citizens read and searched on the site, and what they looked for in vain. */
function catalogue(data) {
  const c = data.catalogue;
  const key = el('dl', { class: 'indicators' },
    figure(t('admin.indicators.views'), number(c.views), number(c.previous_views)),
    figure(t('admin.indicators.searches'), number(c.searches), number(c.previous_searches)),
    figure(t('admin.indicators.searchesEmpty'), number(c.searches_empty), number(c.previous_searches_empty)));
  const head = [t('admin.indicators.service'), periodLabel(data.period), periodLabel(data.previous_period)];
  const views = c.by_service.length === 0 ? el('p', { text: t('admin.indicators.noViews') })
    : table(t('admin.indicators.viewsByService'), head, c.by_service.map((l) => [l.label, number(l.views), number(l.previous)]));
  const unanswered = c.unanswered.length === 0 ? el('p', { text: t('admin.indicators.noUnanswered') })
    : table(t('admin.indicators.unanswered'), [t('admin.indicators.words'), t('admin.indicators.times')],
      c.unanswered.map((u) => [u.words, number(u.count)]));
  return [key, views, el('p', { class: 'hint', text: t('admin.indicators.unansweredHint') }), unanswered];
}

async function main() {
  const started = await initAdmin({ current: INDICATORS });
  if (!started) return;
  const { city, me } = started;
  adminTitle(t('admin.indicators'), city);
  if (!atLeast(me, 'supervisor')) {
    setChildren($('#page-content'), el('p', { class: 'callout callout-info', text: t('admin.indicators.forSupervisors') }));
    setState('ready');
    return;
  }
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: city?.timezone || 'Europe/Paris' }).format(new Date());
  const chosen = choices(today);
  const query = { from: chosen.from, to: chosen.to, service: chosen.service || undefined, channel: chosen.channel || undefined };
  const [services, data] = await Promise.all([allServices(), indicators.read(query)]);
  const file = (format) => `/api/reporting/indicators.${format}?${new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString()}`;
  setChildren($('#page-content'),
    filters(chosen, services),
    el('p', { class: 'indicator-period' }, t('admin.indicators.comparing', { now: periodLabel(data.period), before: periodLabel(data.previous_period) })),
    el('section', { 'aria-labelledby': 'key-title' }, el('h2', { id: 'key-title', text: t('admin.indicators.key') }), keyFigures(data)),
    el('section', { 'aria-labelledby': 'funnel-title' }, el('h2', { id: 'funnel-title', text: t('admin.indicators.funnel') }), funnel(data)),
    el('section', { 'aria-labelledby': 'chart-title' }, el('h2', { id: 'chart-title', text: t('admin.indicators.chart') }), chart(data)),
    el('section', { 'aria-labelledby': 'services-title' }, el('h2', { id: 'services-title', text: t('admin.indicators.byService') }),
      lines(t('admin.indicators.byService'), t('admin.indicators.service'), data.by_service, (l) => l.label)),
    el('section', { 'aria-labelledby': 'channels-title' }, el('h2', { id: 'channels-title', text: t('admin.indicators.byChannel') }),
      lines(t('admin.indicators.byChannel'), t('admin.indicators.channel'), data.by_channel, (l) => channelLabel(l.id))),
    el('section', { 'aria-labelledby': 'appointments-title' }, el('h2', { id: 'appointments-title', text: t('admin.indicators.appointments') }),
      el('p', { class: 'hint', text: t('admin.indicators.appointmentsHint') }), appointments(data)),
    el('section', { 'aria-labelledby': 'catalogue-title' }, el('h2', { id: 'catalogue-title', text: t('admin.indicators.catalogue') }),
      el('p', { class: 'hint', text: t('admin.indicators.catalogueHint') }), catalogue(data)),
    el('p', { class: 'export-links' },
      el('a', { class: 'button button-secondary', href: file('csv'), download: '', text: t('admin.indicators.csv') }), ' ',
      el('a', { class: 'button button-secondary', href: file('ods'), download: '', text: t('admin.indicators.ods') })));
  setState('ready');
}

main().catch((err) => {
  adminError(err, err.city);
});
