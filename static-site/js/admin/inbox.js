// admin/boite.html: the requests of the agent's services. The filters are a form whose
// values live in the address (?service=…&phase=…), so a filtered inbox can be reloaded,
// bookmarked and left with Back; each change of filters is announced with the count.
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, setState, formatDate, failureMessage, whileBusy, focusOn } from '../ui.js';
import { tracking } from './api.js';
import {
  adminError, initAdmin, adminTitle, allServices, servicesOf, status, requestHref, PHASES, CHANNELS, phaseLabel, channelLabel, deadline, atLeast, INBOX, LAST_INBOX,
} from './shell.js';

const FILTERS = ['q', 'service', 'phase', 'status', 'assignee', 'due', 'channel', 'sort'];

const option = (value, label, selected) => el('option', { value, selected: value === selected ? true : null, text: label });

/** A labelled select in the filter form. */
function select(name, label, options, value) {
  const id = `filter-${name}`;
  return el('div', { class: 'field filter' },
    el('label', { class: 'label', for: id, text: label }),
    el('select', { class: 'input', id, name }, options.map(([v, l]) => option(v, l, value || ''))));
}

const params = () => Object.fromEntries(FILTERS.map((name) => [name, new URLSearchParams(location.search).get(name) || '']));

/** The statuses to choose from: the API's list when it gives one, else those the rows have shown. */
const knownStatuses = new Map();
function statusOptions(answer, rows) {
  for (const s of answer?.statuses || []) knownStatuses.set(s.id, s.label || s.id);
  for (const row of rows) if (row.status?.id) knownStatuses.set(row.status.id, row.status.label || row.status.id);
  return [...knownStatuses].sort((a, b) => a[1].localeCompare(b[1], 'fr'));
}

function filterForm(me, services, colleagues, values) {
  const mine = servicesOf(me, services);
  const form = el('form', { id: 'filters', class: 'filters', method: 'get', action: INBOX, 'aria-labelledby': 'filters-title', novalidate: true },
    el('h2', { id: 'filters-title', class: 'filters-title', text: t('admin.filters.title') }),
    el('div', { class: 'filters-grid' },
      el('div', { class: 'field filter filter-search' },
        el('label', { class: 'label', for: 'filter-q', text: t('admin.filters.q') }),
        el('p', { class: 'hint', id: 'filter-q-hint', text: t('admin.filters.qHint') }),
        Object.assign(el('input', { class: 'input', type: 'search', id: 'filter-q', name: 'q', 'aria-describedby': 'filter-q-hint', spellcheck: 'false' }), { value: values.q })),
      select('service', t('admin.filters.service'), [['', t('admin.filters.allServices')], ...mine.map((s) => [s.slug, s.title])], values.service),
      select('phase', t('admin.filters.phase'), [['', t('admin.filters.open')], ...Object.keys(PHASES).map((p) => [p, phaseLabel(p)])], values.phase),
      el('div', { id: 'status-filter' }),
      el('div', { id: 'assignee-filter' }, assigneeSelect(me, colleagues, values.assignee)),
      select('due', t('admin.filters.due'), [
        ['', t('admin.filters.all')], ['late', t('admin.filters.late')], ['soon', t('admin.filters.soon')]], values.due),
      select('channel', t('admin.filters.channel'), [['', t('admin.filters.allChannels')], ...Object.keys(CHANNELS).map((c) => [c, channelLabel(c)])], values.channel),
      select('sort', t('admin.filters.sort'), [['deadline', t('admin.filters.byDeadline')], ['date', t('admin.filters.byDate')]], values.sort || 'deadline')),
    el('div', { class: 'form-actions' },
      el('button', { type: 'submit', class: 'button', text: t('admin.filters.apply') }),
      el('a', { class: 'button button-secondary', href: INBOX, text: t('admin.filters.reset') })));
  return form;
}

function assigneeSelect(me, colleagues, value) {
  const others = colleagues.filter((c) => c.id !== me.id).map((c) => [c.id, c.name]);
  if (value && !['me', 'none'].includes(value) && !others.some(([id]) => id === value)) others.push([value, value]);
  return select('assignee', t('admin.filters.assignee'), [
    ['', t('admin.filters.all')], ['me', t('admin.filters.me')], ['none', t('admin.filters.nobody')], ...others], value);
}

/** The colleagues who handle `service` (or the agent's own services when none is chosen), by name. */
async function colleaguesOf(me, service) {
  const services = service ? [service] : atLeast(me, 'supervisor') ? [] : (me.services || []);
  const lists = await Promise.all(services.map((slug) => tracking.colleagues(slug).then((answer) => answer.agents || [], () => [])));
  const byId = new Map(lists.flat().map((c) => [c.id, c]));
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

function fillStatusFilter(options, value) {
  const current = value && !options.some(([id]) => id === value) ? [[value, value]] : [];
  setChildren($('#status-filter'), select('status', t('admin.filters.status'), [['', t('admin.filters.all')], ...options, ...current], value));
}

function row(item) {
  const unread = Number(item.unread) || 0;
  const citizen = item.citizen || {};
  return el('tr', {},
    el('th', { scope: 'row' },
      el('a', { href: requestHref(item.reference), class: 'reference-inline', text: item.reference }),
      unread > 0 && el('span', { class: 'badge badge-unread', text: t('admin.inbox.unread', { count: unread }) })),
    el('td', { text: item.service?.title || item.service?.slug || '' }),
    el('td', { class: 'cell-citizen' }, citizen.name || citizen.email || '',
      citizen.name && citizen.email && el('span', { class: 'cell-note', text: citizen.email })),
    el('td', {}, el('span', { class: `phase phase-${item.phase}`, text: item.status?.label || phaseLabel(item.phase) })),
    el('td', {}, el('time', { datetime: item.submitted_at, text: formatDate(item.submitted_at) })),
    el('td', {}, deadline(item.deadline)),
    el('td', {}, item.assignee?.name || el('span', { class: 'muted', text: t('admin.inbox.nobody') })),
    el('td', { text: channelLabel(item.channel) }));
}

function table(rows, sort) {
  const captionId = 'inbox-caption';
  const headers = ['admin.inbox.reference', 'admin.inbox.service', 'admin.inbox.citizen', 'admin.inbox.status', 'admin.inbox.submitted',
    'admin.inbox.due', 'admin.inbox.assignee', 'admin.inbox.channel'];
  return el('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: '0' },
    el('table', { class: 'table inbox-table' },
      el('caption', { id: captionId }, el('span', { class: 'caption-text' },
        t('admin.inbox.caption'), ' ',
        el('span', { class: 'caption-sort', text: t(sort === 'date' ? 'admin.inbox.sortedByDate' : 'admin.inbox.sortedByDeadline') }))),
      el('thead', {}, el('tr', {}, headers.map((key) => el('th', { scope: 'col', text: t(key) })))),
      el('tbody', {}, rows.map(row))));
}

try {
  const session = await initAdmin({ current: INBOX });
  if (session) {
    const { city, me } = session;
    adminTitle(t('admin.inbox'), city);
    const [services, colleagues] = await Promise.all([allServices().catch(() => []), colleaguesOf(me, params().service)]);
    const results = el('section', { class: 'section inbox-results', 'aria-labelledby': 'results-title' },
      el('h2', { id: 'results-title', text: t('admin.inbox.results') }),
      el('div', { id: 'inbox-list' }));
    const form = filterForm(me, services, colleagues, params());
    $('#page-content').replaceChildren(form, results);
    fillStatusFilter(statusOptions(null, []), params().status);

    let generation = 0;
    let cursor = null;
    let shown = [];
    const more = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.inbox.more'), hidden: true });

    const load = async ({ append = false, announce = true } = {}) => {
      const mine = ++generation;
      const values = params();
      results.setAttribute('aria-busy', 'true');
      try {
        const answer = await tracking.inbox({ ...values, cursor: append ? cursor : undefined });
        if (mine !== generation) return;
        const rows = answer.requests || [];
        cursor = answer.next || null;
        shown = append ? [...shown, ...rows] : rows;
        const list = $('#inbox-list');
        if (shown.length === 0) {
          list.replaceChildren(el('p', { class: 'inbox-empty', text: t('admin.inbox.empty') }));
        } else {
          list.replaceChildren(table(shown, values.sort), more);
        }
        more.hidden = !cursor;
        fillStatusFilter(statusOptions(answer, rows), values.status);
        const total = answer.total ?? shown.length;
        const count = total > shown.length
          ? t('admin.inbox.countShown', { count: total, shown: shown.length })
          : t('admin.inbox.count', { count: total });
        if (announce) status(count);
        adminTitle(`${t('admin.inbox')} (${count})`, city);
        if (append && rows.length > 0) focusOn(list.querySelectorAll('tbody tr')[shown.length - rows.length]?.querySelector('a'));
      } catch (err) {
        if (mine !== generation) return;
        if (err.status === 401) {
          location.reload();
          return;
        }
        status(failureMessage(err), { error: true });
      } finally {
        if (mine === generation) results.removeAttribute('aria-busy');
      }
    };

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const [name, value] of new FormData(form)) if (String(value).trim()) query.set(name, String(value).trim());
      if (query.get('sort') === 'deadline') query.delete('sort');
      const address = `${INBOX}${query.size > 0 ? `?${query}` : ''}`;
      history.pushState(null, '', address);
      try { sessionStorage.setItem(LAST_INBOX, address); } catch { /* private mode */ }
      whileBusy(form.querySelector('button[type="submit"]'), () => load());
    });
    // The colleagues to filter by follow the service chosen (the focus stays where it is);
    // arrowing through the services, only the last choice's answer counts.
    let asked = 0;
    form.elements.service.addEventListener('change', async () => {
      const mine = ++asked;
      const list = await colleaguesOf(me, form.elements.service.value);
      if (mine === asked) $('#assignee-filter').replaceChildren(assigneeSelect(me, list, form.elements.assignee.value));
    });
    more.addEventListener('click', () => whileBusy(more, () => load({ append: true })));
    addEventListener('popstate', () => {
      const values = params();
      for (const name of FILTERS) {
        const input = form.elements[name];
        if (input) input.value = values[name] || (name === 'sort' ? 'deadline' : '');
      }
      try { sessionStorage.setItem(LAST_INBOX, location.pathname + location.search); } catch { /* private mode */ }
      load();
    });
    try { sessionStorage.setItem(LAST_INBOX, location.pathname + location.search); } catch { /* private mode */ }
    await load({ announce: false });
    setState('ready');
  }
} catch (err) {
  adminError(err, err.city);
}
