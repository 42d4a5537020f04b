// admin/planning.html?agenda=<id>|place=<place>&from=<YYYY-MM-DD>&view=day|week: the
// appointments of the agendas the agent handles, one captioned table per day (closed days
// said with their reason), with « Présent », « Absent » and « Annuler » on each booked one.
// Below: an appointment taken for a citizen (phone, counter, email, post; the notice and
// horizon may be overridden, audited by the API) and « Fermer une journée », which lists
// the appointments to move. The choices live in the address, so the planning reloads as seen.
import { api, uuid } from '../api.js';
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, setState, failureMessage, whileBusy, focusOn } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { planning } from './api.js';
import { adminError, initAdmin, adminTitle, status, channelLabel, PLANNING } from './shell.js';
import { today, timeOf } from '../booking/slots.js';
import { hasVisible } from '../visible.js';

const CHANNELS = ['phone', 'counter', 'email', 'post'];
const STATES = {
  booked: 'admin.planning.state.booked',
  cancelled: 'admin.planning.state.cancelled',
  present: 'admin.planning.state.present',
  no_show: 'admin.planning.state.no_show',
};
const stateLabel = (s) => (STATES[s] ? t(STATES[s]) : String(s ?? ''));

let zone = 'Europe/Paris';
let agendas = [];

/** The instant (ISO, UTC) of a local date and time in the city's zone. */
function zonedInstant(date, time, timeZone = zone) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const offset = (ms) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - ms;
  };
  let instant = wall - offset(wall);
  instant = wall - offset(instant);
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The address's choices, with defaults (the first agenda, today, one day). */
function params() {
  const query = new URLSearchParams(location.search);
  const place = query.get('place') || '';
  const agenda = place ? '' : (query.get('agenda') || agendas[0]?.id || '');
  return { agenda, place, from: /^\d{4}-\d{2}-\d{2}$/.test(query.get('from') || '') ? query.get('from') : today(), view: query.get('view') === 'week' ? 'week' : 'day' };
}

/** Places with several agendas may be shown together. */
function places() {
  const byPlace = new Map();
  for (const a of agendas) byPlace.set(a.place, [...(byPlace.get(a.place) || []), a]);
  return [...byPlace].filter(([, list]) => list.length > 1);
}

const mark = (required) => el('span', { class: required ? 'required-mark' : 'optional-mark', text: t(required ? 'form.required' : 'form.optional') });

function field({ path, id, label, hint, required, input }) {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return el('div', { class: 'field', 'data-path': path, 'data-label': label, 'data-error-id': id },
    el('label', { class: 'label', for: id }, label, ' ', mark(required)),
    hint && el('p', { class: 'hint', id: `${id}-hint`, text: hint }),
    input);
}

const agendaOptions = (selected) => agendas.map((a) => el('option', { value: a.id, selected: a.id === selected ? true : null, text: a.title }));

function filterForm(values) {
  const which = el('select', { class: 'input', id: 'planning-which', name: 'which' },
    el('optgroup', { label: t('admin.planning.agendas') }, agendas.map((a) => el('option', {
      value: `agenda:${a.id}`, selected: values.agenda === a.id ? true : null, text: a.title,
    }))),
    places().length > 0 && el('optgroup', { label: t('admin.planning.places') }, places().map(([place, list]) => el('option', {
      value: `place:${place}`, selected: values.place === place ? true : null, text: t('admin.planning.placeOption', { address: list[0].address || place }),
    }))));
  const from = el('input', { class: 'input input-date', type: 'date', id: 'planning-from', name: 'from', required: true });
  from.value = values.from;
  const view = el('fieldset', { class: 'field' },
    el('legend', { class: 'legend', text: t('admin.planning.view') }),
    el('div', { class: 'choices choices-inline' }, [['day', 'admin.planning.day'], ['week', 'admin.planning.week']].map(([value, key]) => el('div', { class: 'choice' },
      el('input', { class: 'choice-input', type: 'radio', name: 'view', id: `planning-view-${value}`, value, checked: values.view === value ? true : null }),
      el('label', { class: 'choice-label', for: `planning-view-${value}`, text: t(key) })))));
  return el('form', { id: 'planning-filters', class: 'filters', method: 'get', action: PLANNING, 'aria-labelledby': 'planning-filters-title', novalidate: true },
    el('h2', { id: 'planning-filters-title', class: 'filters-title', text: t('admin.planning.show') }),
    el('div', { class: 'filters-grid' },
      el('div', { class: 'field planning-which' }, el('label', { class: 'label', for: 'planning-which', text: t('admin.planning.agenda') }), which),
      el('div', { class: 'field' }, el('label', { class: 'label', for: 'planning-from', text: t('admin.planning.from') }), from),
      view),
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'button', text: t('admin.planning.apply') })));
}

/** The row's actions: attendance and cancellation (with its reason) while it is booked. */
function actionsCell(item, who, day, reload) {
  const cell = el('td', { class: 'planning-actions' });
  if (item.status !== 'booked') return cell;
  const context = ` ${t('admin.planning.rowContext', { name: who, time: item.time || timeOf(item.start, zone) })}`;
  const button = (key, kind, onClick) => {
    const b = el('button', { type: 'button', class: `button button-small${kind ? ` ${kind}` : ''}` }, t(key), el('span', { class: 'sr-only', text: context }));
    b.addEventListener('click', () => whileBusy(b, onClick));
    return b;
  };
  const attendance = (value, message) => async () => {
    try {
      await planning.attendance(item.id, value);
    } catch (err) {
      focusOn(status(failureMessage(err), { error: true }));
      return;
    }
    await reload({ focusRow: item.id, focusDay: day });
    status(t(message, { name: who }));
  };
  const offer = () => setChildren(cell, el('div', { class: 'planning-buttons' },
    button('admin.planning.present', '', attendance('present', 'admin.planning.presentDone')),
    button('admin.planning.noShow', 'button-secondary', attendance('no_show', 'admin.planning.noShowDone')),
    button('admin.planning.cancel', 'button-secondary', async () => askReason())));
  const askReason = () => {
    const reason = el('input', { class: 'input', type: 'text', name: 'reason', autocomplete: 'off' });
    const confirm = el('button', { type: 'submit', class: 'button button-small', text: t('admin.planning.cancelConfirm') });
    const back = el('button', { type: 'button', class: 'button button-secondary button-small', text: t('admin.planning.cancelBack') });
    const form = el('form', { class: 'planning-cancel', novalidate: true },
      field({ path: 'reason', id: `cancel-reason-${item.id}`, label: t('admin.planning.reason'), hint: t('admin.planning.reasonHint'), required: true, input: reason }),
      el('div', { class: 'planning-buttons' }, confirm, back));
    back.addEventListener('click', () => {
      offer();
      cell.querySelector('button')?.focus();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      whileBusy(confirm, async () => {
        clearErrors(form);
        if (!hasVisible(reason.value)) {
          showErrors(form, [{ field: 'reason', message: t('admin.planning.reasonMissing') }]);
          return;
        }
        try {
          await planning.cancel(item.id, reason.value.trim());
        } catch (err) {
          const errors = err.errors || [];
          showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
          return;
        }
        await reload({ focusRow: item.id, focusDay: day });
        status(t('admin.planning.cancelled', { name: who }));
      });
    });
    setChildren(cell, form);
    reason.focus();
  };
  offer();
  return cell;
}

function dayTable(day, showAgenda, reload) {
  const captionId = `planning-caption-${day.date}`;
  const items = day.appointments || [];
  const headers = ['admin.planning.time', 'admin.planning.citizen', 'admin.planning.contact', 'admin.planning.type',
    ...(showAgenda ? ['admin.planning.agenda'] : []), 'admin.planning.channel', 'admin.planning.state', 'admin.planning.actions'];
  return el('section', { class: 'section planning-day', 'aria-labelledby': `planning-day-${day.date}` },
    el('h3', { id: `planning-day-${day.date}`, text: day.label }),
    day.closed && el('p', { class: 'callout planning-closed' }, el('strong', { text: t('admin.planning.closed') }), ' ', day.closed),
    items.length === 0
      ? el('p', { class: 'planning-empty', text: t('admin.planning.none') })
      : el('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: '0' },
        el('table', { class: 'table planning-table' },
          el('caption', { id: captionId }, el('span', { class: 'caption-text', text: t('admin.planning.caption', { label: day.label, count: items.length }) })),
          el('thead', {}, el('tr', {}, headers.map((key) => el('th', { scope: 'col', text: t(key) })))),
          el('tbody', {}, items.map((item) => {
            const who = item.name || item.email || '';
            return el('tr', { 'data-appointment': item.id },
              el('th', { scope: 'row', tabindex: '-1' }, el('time', { datetime: item.start, text: item.time || timeOf(item.start, zone) })),
              el('td', {}, who, item.reference && el('span', { class: 'cell-note', text: t('admin.planning.request', { reference: item.reference }) }),
                (item.answers || []).map((a) => el('span', { class: 'cell-note', text: `${a.label}\u00a0: ${a.answer}` }))),
              el('td', {}, item.email && el('span', { class: 'cell-note', text: item.email }), item.phone && el('span', { class: 'cell-note', text: item.phone })),
              el('td', { text: item.type_title || item.type }),
              showAgenda && el('td', { text: item.agenda_title || item.agenda }),
              el('td', { text: channelLabel(item.channel) }),
              el('td', {}, el('strong', { text: stateLabel(item.status) })),
              actionsCell(item, who, day.date, reload));
          })))));
}

/** « Prendre un rendez-vous pour un usager ». */
function bookForm(values, reload) {
  const agenda = el('select', { class: 'input', name: 'agenda' }, agendaOptions(values.agenda || agendas[0]?.id));
  const type = el('select', { class: 'input', name: 'type' });
  const fillTypes = () => {
    const chosen = agendas.find((a) => a.id === agenda.value);
    type.replaceChildren(...(chosen?.types || []).map((ty) => el('option', { value: ty.id, text: ty.title })));
  };
  fillTypes();
  agenda.addEventListener('change', fillTypes);
  const date = el('input', { class: 'input input-date', type: 'date', name: 'date', required: true });
  date.value = values.from;
  const time = el('input', { class: 'input input-short', type: 'time', name: 'time', step: '300', required: true });
  const name = el('input', { class: 'input', type: 'text', name: 'name', autocomplete: 'off', required: true });
  const email = el('input', { class: 'input', type: 'email', name: 'email', autocomplete: 'off', spellcheck: 'false' });
  const phone = el('input', { class: 'input', type: 'tel', name: 'phone', autocomplete: 'off' });
  const reference = el('input', { class: 'input input-short', type: 'text', name: 'reference', autocomplete: 'off', spellcheck: 'false' });
  const override = el('input', { class: 'choice-input', type: 'checkbox', id: 'book-override', name: 'override_notice', 'aria-describedby': 'book-override-hint' });
  const channels = el('fieldset', { class: 'field', 'data-path': 'channel', 'data-label': t('admin.planning.bookChannel'), 'data-error-id': 'book-channel-phone' },
    el('legend', { class: 'legend' }, t('admin.planning.bookChannel'), ' ', mark(true)),
    el('div', { class: 'choices choices-inline' }, CHANNELS.map((c, i) => el('div', { class: 'choice' },
      el('input', { class: 'choice-input', type: 'radio', name: 'channel', id: `book-channel-${c}`, value: c, checked: i === 0 ? true : null }),
      el('label', { class: 'choice-label', for: `book-channel-${c}`, text: channelLabel(c) })))));
  const submit = el('button', { type: 'submit', class: 'button', text: t('admin.planning.bookSubmit') });
  let key = uuid();
  const form = el('form', { id: 'book-form', class: 'action-form planning-form', novalidate: true, 'aria-labelledby': 'book-title' },
    el('h2', { id: 'book-title', text: t('admin.planning.bookTitle') }),
    el('p', { class: 'form-note', text: t('admin.planning.bookIntro') }),
    field({ path: 'agenda', id: 'book-agenda', label: t('admin.planning.agenda'), required: true, input: agenda }),
    field({ path: 'type', id: 'book-type', label: t('admin.planning.type'), required: true, input: type }),
    field({ path: 'date', id: 'book-date', label: t('admin.planning.date'), required: true, input: date }),
    field({ path: 'start', id: 'book-time', label: t('admin.planning.startTime'), hint: t('admin.planning.startHint'), required: true, input: time }),
    field({ path: 'name', id: 'book-name', label: t('admin.planning.name'), required: true, input: name }),
    field({ path: 'email', id: 'book-email', label: t('admin.planning.email'), hint: t('admin.planning.emailHint'), required: false, input: email }),
    field({ path: 'phone', id: 'book-phone', label: t('account.phone'), required: false, input: phone }),
    channels,
    field({ path: 'reference', id: 'book-reference', label: t('admin.planning.reference'), hint: t('admin.planning.referenceHint'), required: false, input: reference }),
    el('div', { class: 'field', 'data-path': 'override_notice' }, el('div', { class: 'choice' }, override,
      el('label', { class: 'choice-label', for: 'book-override' }, t('admin.planning.override'),
        el('span', { class: 'hint choice-hint', id: 'book-override-hint', text: t('admin.planning.overrideHint') })))),
    el('div', { class: 'form-actions' }, submit));
  // Any change makes another appointment: a new key (a retry of the same one keeps it).
  form.addEventListener('input', () => { key = uuid(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      clearErrors(form);
      const missing = [];
      if (!date.value) missing.push({ field: 'date', message: t('admin.planning.dateMissing') });
      if (!time.value) missing.push({ field: 'start', message: t('admin.planning.timeMissing') });
      if (!hasVisible(name.value)) missing.push({ field: 'name', message: t('admin.planning.nameMissing') });
      if (missing.length > 0) {
        showErrors(form, missing);
        return;
      }
      let booked;
      try {
        booked = await planning.book({
          agenda: agenda.value,
          type: type.value,
          start: zonedInstant(date.value, time.value),
          name: name.value.trim(),
          email: email.value.trim() || undefined,
          phone: phone.value.trim() || undefined,
          channel: form.elements.channel.value,
          override_notice: override.checked || undefined,
          reference: reference.value.trim() || undefined,
        }, key);
      } catch (err) {
        const errors = err.errors || [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
        return;
      }
      key = uuid();
      for (const input of [name, email, phone, reference, time]) input.value = '';
      override.checked = false;
      await reload();
      focusOn(status(t('admin.planning.booked', { label: booked.label, name: booked.name || '' })));
    });
  });
  return form;
}

/** « Fermer une journée »: the closure, then the appointments it leaves to move. */
function closeForm(values, reload) {
  const agenda = el('select', { class: 'input', name: 'agenda' }, agendaOptions(values.agenda || agendas[0]?.id));
  const from = el('input', { class: 'input input-date', type: 'date', name: 'from', required: true });
  const until = el('input', { class: 'input input-date', type: 'date', name: 'until' });
  const reason = el('input', { class: 'input', type: 'text', name: 'reason', autocomplete: 'off', required: true });
  const submit = el('button', { type: 'submit', class: 'button', text: t('admin.planning.closeSubmit') });
  const result = el('div', { id: 'close-result' });
  const form = el('form', { id: 'close-form', class: 'action-form planning-form', novalidate: true, 'aria-labelledby': 'close-title' },
    el('h2', { id: 'close-title', text: t('admin.planning.closeTitle') }),
    el('p', { class: 'form-note', text: t('admin.planning.closeIntro') }),
    field({ path: 'agenda', id: 'close-agenda', label: t('admin.planning.agenda'), required: true, input: agenda }),
    field({ path: 'from', id: 'close-from', label: t('admin.planning.closeFrom'), required: true, input: from }),
    field({ path: 'until', id: 'close-until', label: t('admin.planning.closeUntil'), hint: t('admin.planning.closeUntilHint'), required: false, input: until }),
    field({ path: 'reason', id: 'close-reason', label: t('admin.planning.closeReason'), hint: t('admin.planning.closeReasonHint'), required: true, input: reason }),
    el('div', { class: 'form-actions' }, submit),
    result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      clearErrors(form);
      result.replaceChildren();
      const missing = [];
      if (!from.value) missing.push({ field: 'from', message: t('admin.planning.dateMissing') });
      if (!hasVisible(reason.value)) missing.push({ field: 'reason', message: t('admin.planning.closeReasonMissing') });
      if (missing.length > 0) {
        showErrors(form, missing);
        return;
      }
      let answer;
      try {
        answer = await planning.close(agenda.value, { from: from.value, until: until.value || undefined, reason: reason.value.trim() });
      } catch (err) {
        const errors = err.errors || [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
        return;
      }
      const toMove = answer.to_move || [];
      const heading = el('h3', { id: 'close-result-title', tabindex: '-1', text: t('admin.planning.closedDone', { count: toMove.length }) });
      result.replaceChildren(el('section', { class: 'close-result', 'aria-labelledby': 'close-result-title' },
        heading,
        toMove.length > 0 && el('p', { text: t('admin.planning.toMoveIntro') }),
        toMove.length > 0 && el('ul', { class: 'to-move' }, toMove.map((item) => el('li', {},
          el('strong', { text: item.label }), ' – ', item.name || '',
          [item.email, item.phone].filter(Boolean).length > 0 && el('span', { class: 'cell-note', text: [item.email, item.phone].filter(Boolean).join(' – ') }))))));
      await reload();
      status(t('admin.planning.closedDone', { count: toMove.length }));
      focusOn(heading);
    });
  });
  return form;
}

try {
  const session = await initAdmin({ current: PLANNING });
  if (session) {
    const { city } = session;
    zone = city?.timezone || zone;
    adminTitle(t('admin.planning'), city);
    agendas = await planning.agendas();
    if (agendas.length === 0) {
      $('#page-content').replaceChildren(el('p', { text: t('admin.planning.noAgenda') }));
    } else {
      const values = params();
      const filters = filterForm(values);
      const results = el('div', { id: 'planning-days', class: 'planning-days' });

      const load = async ({ focusRow = null, focusDay = null, announce = false } = {}) => {
        const now = params();
        results.setAttribute('aria-busy', 'true');
        try {
          const answer = await planning.days({
            agenda: now.agenda || undefined, place: now.place || undefined, from: now.from, days: now.view === 'week' ? 7 : 1,
          });
          const days = answer.days || [];
          const showAgenda = Boolean(now.place);
          results.replaceChildren(...days.map((day) => dayTable(day, showAgenda, load)));
          const count = days.reduce((n, d) => n + (d.appointments || []).filter((a) => a.status === 'booked').length, 0);
          if (announce) status(t('admin.planning.count', { count }));
          // The row acted on, or its day's heading when the row left the planning (a cancellation).
          if (focusRow) {
            focusOn(results.querySelector(`tr[data-appointment="${CSS.escape(focusRow)}"] th`)
              || results.querySelector(`#planning-day-${CSS.escape(focusDay || '')}`));
          }
        } catch (err) {
          if (err.status === 401) {
            location.reload();
            return;
          }
          focusOn(status(failureMessage(err), { error: true }));
        } finally {
          results.removeAttribute('aria-busy');
        }
      };

      filters.addEventListener('submit', (event) => {
        event.preventDefault();
        const [kind, id] = filters.elements.which.value.split(/:(.*)/s);
        const query = new URLSearchParams({ [kind]: id, from: filters.elements.from.value || today() });
        if (filters.elements.view.value === 'week') query.set('view', 'week');
        history.pushState(null, '', `${PLANNING}?${query}`);
        whileBusy(filters.querySelector('button[type="submit"]'), () => load({ announce: true }));
      });
      addEventListener('popstate', () => {
        const now = params();
        filters.elements.which.value = now.place ? `place:${now.place}` : `agenda:${now.agenda}`;
        filters.elements.from.value = now.from;
        filters.elements.view.value = now.view;
        load({ announce: true });
      });
      $('#page-content').replaceChildren(filters,
        el('section', { class: 'planning-results', 'aria-labelledby': 'planning-results-title' },
          el('h2', { id: 'planning-results-title', class: 'sr-only', text: t('admin.planning.results') }),
          results),
        el('div', { class: 'planning-forms' }, bookForm(values, load), closeForm(values, load)));
      await load();
    }
    setState('ready');
  }
} catch (err) {
  adminError(err, err.city);
}
