// The slot chooser shared by the booking page and the manage page: the place (« N'importe
// quelle mairie » or one agenda), then a day among the first days with free slots (the
// first one chosen), then that day's times, one button per slot whose accessible name is
// the whole label the API writes (date, time and place). A polite live region says what is loading and what was found; a slot
// taken meanwhile is said in a focused alert and the slots are read again.
import { booking } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { callout, failureMessage, focusOn, formatDate, whileBusy } from '../ui.js';

/** Days asked at once (the API allows 1 to 62). */
export const WINDOW = 14;
/** « Voir les jours suivants » stops after this many windows (about three months). */
const MAX_WINDOWS = 7;

/** Today's date (YYYY-MM-DD) on this device. */
export function today() {
  const now = new Date();
  return [now.getFullYear(), String(now.getMonth() + 1).padStart(2, '0'), String(now.getDate()).padStart(2, '0')].join('-');
}

/** `iso` (YYYY-MM-DD) plus `days` days. */
export function addDays(iso, days) {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** « 09:00 » as it is said: « 9 h 00 » (as the emails and every other page write it). */
export const spokenTime = (time) => String(time ?? '').replace(/^(\d{1,2}):(\d{2})$/, (_, h, m) => `${Number(h)}\u00a0h\u00a0${m}`);

/** A time of day as the API writes it (« 9 h 40 ») from an ISO instant, in `zone`. */
export function timeOf(instant, zone) {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return '';
  const parts = new Intl.DateTimeFormat('fr-FR', { hour: 'numeric', minute: '2-digit', hourCycle: 'h23', ...(zone ? { timeZone: zone } : {}) })
    .formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type)?.value || '';
  return spokenTime(`${part('hour')}:${part('minute')}`);
}

/** The place of a slot in a few words: its agenda's title up to the dash (« Mairie centrale »). */
const shortPlace = (slot) => (slot.agenda_title || slot.place || '').split(' — ')[0];

/** The message of a refused hold or booking about the slot itself, or null for other failures. */
export function slotProblem(err) {
  if (err?.status === 409 && ['slot-taken', 'conflict'].includes(err.kind)) return t('booking.slotTaken');
  if (err?.status === 410) return t('booking.holdExpired');
  if (err?.status === 422 && err.kind === 'slot-unavailable') return t('booking.slotGone');
  return null;
}

/**
 * The chooser: `type` ({ id, title, agendas: [{ id, title, place, address }] }), the agenda
 * first chosen ('' for any), `onHeld(hold, slot)` once a slot is held for the citizen.
 * `heading` names the chooser (an h2) when the page's h1 does not already.
 * Returns { node, reload(), alert(message) }.
 */
export function slotChooser({ type, agenda = '', onHeld, heading = null, prefix = 'slots' }) {
  const agendas = type.agendas || [];
  let chosen = agendas.some((a) => a.id === agenda) ? agenda : (agendas.length === 1 ? agendas[0].id : '');
  let generation = 0;
  let windows = 0;
  const live = el('p', { class: 'status-message slots-status', role: 'status', 'aria-live': 'polite', id: `${prefix}-status` });
  const alertBox = el('div', { class: 'slots-alert' });
  const days = el('div', { class: 'slot-days', id: `${prefix}-days` });
  /** The days with free slots read so far, in order, and the one whose times are shown. */
  let found = [];
  let shownDay = null;
  const more = el('button', { type: 'button', class: 'button button-secondary', hidden: true, text: t('booking.moreDays', { count: WINDOW }) });

  const places = agendas.length > 1 && el('fieldset', { class: 'field slot-places' },
    el('legend', { class: 'legend', text: t('booking.place') }),
    el('div', { class: 'choices' }, [{ id: '', title: t('booking.anyPlace') }, ...agendas].map((a, i) => {
      const id = `${prefix}-place-${i}`;
      const input = el('input', { class: 'choice-input', type: 'radio', name: `${prefix}-place`, id, value: a.id, checked: a.id === chosen ? true : null,
        'aria-describedby': a.address ? `${id}-hint` : null });
      input.addEventListener('change', () => {
        if (!input.checked) return;
        chosen = a.id;
        load();
      });
      return el('div', { class: 'choice' }, input,
        el('label', { class: 'choice-label', for: id },
          el('span', { text: a.title }),
          a.address && el('span', { class: 'choice-hint hint', id: `${id}-hint`, text: a.address })));
    })));

  const node = el('section', { class: 'slot-chooser', 'aria-labelledby': heading ? `${prefix}-title` : null, 'aria-label': heading ? null : t('booking.chooseTitle') },
    heading && el('h2', { id: `${prefix}-title`, tabindex: '-1', text: heading }),
    places,
    alertBox,
    live,
    days,
    more);

  function alert(message) {
    const box = callout('error', message);
    box.setAttribute('role', 'alert');
    alertBox.replaceChildren(box);
    focusOn(box);
    return box;
  }

  function slotButton(slot) {
    // The name is the whole label, read from hidden text rather than aria-label, so the
    // visible time (and place) stay part of it for voice control users.
    const button = el('button', { type: 'button', class: 'slot', 'data-start': slot.start, 'data-agenda': slot.agenda },
      el('span', { class: 'sr-only slot-label', text: slot.label }),
      el('span', { class: 'slot-time', 'aria-hidden': 'true', text: spokenTime(slot.time) }),
      !chosen && agendas.length > 1 && el('span', { class: 'slot-place', 'aria-hidden': 'true', text: shortPlace(slot) }));
    button.addEventListener('click', () => whileBusy(button, async () => {
      let hold;
      try {
        hold = await booking.hold({ agenda: slot.agenda, type: type.id, start: slot.start });
      } catch (err) {
        const problem = slotProblem(err);
        alert(problem || failureMessage(err));
        if (problem) await load();
        return;
      }
      alertBox.replaceChildren();
      await onHeld(hold, slot);
    }));
    return button;
  }

  /** One day: its heading (under the chooser's own, if any) and its slots. */
  function day(d) {
    const id = `${prefix}-day-${d.date}`;
    return el('section', { class: 'slot-day', 'aria-labelledby': id },
      el(heading ? 'h3' : 'h2', { id, class: 'slot-day-title', tabindex: '-1', text: t('booking.timesOf', { day: d.label }) }),
      el('ul', { class: 'slot-list' }, (d.slots || []).map((slot) => el('li', {}, slotButton(slot)))));
  }

  /** The days with free slots as radios (the day shown checked), then the times of that day. */
  function renderDays() {
    if (found.length === 0) {
      days.replaceChildren(el('p', { class: 'slots-none', text: t('booking.noneYet') }));
      return;
    }
    if (!found.some((d) => d.date === shownDay)) shownDay = found[0].date;
    const picker = el('fieldset', { class: 'field slot-day-picker' },
      el('legend', { class: 'legend', text: t('booking.chooseDay') }),
      el('div', { class: 'choices choices-days' }, found.map((d) => {
        const id = `${prefix}-pick-${d.date}`;
        const input = el('input', { class: 'choice-input', type: 'radio', name: `${prefix}-day`, id, value: d.date,
          checked: d.date === shownDay ? true : null, 'aria-describedby': `${id}-hint` });
        input.addEventListener('change', () => {
          if (!input.checked) return;
          shownDay = d.date;
          days.querySelector('.slot-day').replaceWith(day(d));
          live.textContent = t('booking.dayShown', { count: d.slots.length, day: d.label });
        });
        return el('div', { class: 'choice' }, input,
          el('label', { class: 'choice-label', for: id },
            el('span', { class: 'slot-day-name', text: d.label }),
            el('span', { class: 'choice-hint hint', id: `${id}-hint`, text: t('booking.dayCount', { count: d.slots.length }) })));
      })));
    days.replaceChildren(picker, day(found.find((d) => d.date === shownDay)));
  }

  /** Read the slots again from the first window (append: the next window after those shown). */
  async function load({ append = false } = {}) {
    const mine = ++generation;
    if (!append) windows = 0;
    const from = addDays(today(), windows * WINDOW);
    const until = addDays(from, WINDOW - 1);
    const range = { from: formatDate(from), until: formatDate(until) };
    live.textContent = t('booking.loading');
    days.setAttribute('aria-busy', 'true');
    try {
      const answer = await booking.availability({ type: type.id, agenda: chosen || undefined, from: windows > 0 ? from : undefined, days: WINDOW });
      if (mine !== generation) return;
      windows += 1;
      const open = (answer.days || []).filter((d) => (d.slots || []).length > 0);
      const count = open.reduce((n, d) => n + d.slots.length, 0);
      found = append ? [...found, ...open] : open;
      renderDays();
      more.hidden = windows >= MAX_WINDOWS;
      live.textContent = count > 0 ? t('booking.found', { count, ...range }) : t('booking.none', range);
      // The days just read are offered in the list: focus the first of them.
      if (append && open.length > 0) focusOn(days.querySelector(`#${prefix}-pick-${open[0].date}`));
    } catch (err) {
      if (mine !== generation) return;
      live.textContent = '';
      alert(failureMessage(err));
    } finally {
      if (mine === generation) days.removeAttribute('aria-busy');
    }
  }

  more.addEventListener('click', () => whileBusy(more, () => load({ append: true })));
  return { node, reload: load, alert };
}
