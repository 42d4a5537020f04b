// The dashboard's « Mes rendez-vous »: the citizen's appointments (upcoming first, then
// those of the last 30 days), each with « Annuler ce rendez-vous » behind a confirmation
// step while it may still change. What a cancellation did is said in the section's
// status line and focus goes to the appointment's heading.
import { booking } from '../api.js';
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, failureMessage, focusOn, whileBusy, callout } from '../ui.js';
import { appointmentFacts } from '../booking/view.js';

function card(view) {
  const item = el('li', { class: 'card card-static appointment-card', 'data-appointment': view.id });
  fill(item, view);
  return item;
}

function fill(item, view, { focus = false } = {}) {
  const titleId = `appointment-${view.id}`;
  const actions = el('div', { class: 'form-actions appointment-actions' });
  setChildren(item,
    el('h3', { class: 'card-title', id: titleId, tabindex: '-1', text: view.type_title || view.type }),
    appointmentFacts(view, { status: true, className: 'card-facts' }),
    view.status === 'booked' && view.can_change && actions);
  if (view.status === 'booked' && view.can_change) offerCancel(item, view, actions);
  if (focus) focusOn(item.querySelector('h3'));
}

function offerCancel(item, view, actions, { focus = false } = {}) {
  const button = el('button', { type: 'button', class: 'button button-secondary button-small' },
    t('dashboard.cancelAppointment'), el('span', { class: 'sr-only', text: ` ${t('dashboard.appointmentContext', { label: view.label })}` }));
  button.addEventListener('click', () => confirm(item, view, actions));
  actions.replaceChildren(button);
  if (focus) button.focus();
}

function confirm(item, view, actions) {
  const question = el('p', { class: 'appointment-question', tabindex: '-1', text: t('dashboard.cancelQuestion', { label: view.label }) });
  const yes = el('button', { type: 'button', class: 'button button-small', text: t('booking.cancelYes') });
  const no = el('button', { type: 'button', class: 'button button-secondary button-small', text: t('booking.cancelNo') });
  no.addEventListener('click', () => offerCancel(item, view, actions, { focus: true }));
  yes.addEventListener('click', () => whileBusy(yes, async () => {
    const status = $('#appointments-status');
    try {
      const cancelled = await booking.cancelMine(view.id);
      status.textContent = t('dashboard.appointmentCancelled', { label: view.label });
      fill(item, cancelled, { focus: true });
    } catch (err) {
      const box = callout('error', failureMessage(err));
      box.setAttribute('role', 'alert');
      actions.after(box);
      focusOn(box);
    }
  }));
  actions.replaceChildren(question, yes, no);
  focusOn(question);
}

/** Fill the section from GET /api/booking/appointments (its failure stays inside the section). */
export async function renderAppointments() {
  const list = $('#appointments-list');
  let views;
  try {
    views = await booking.mine();
  } catch (err) {
    list.replaceChildren(callout('error', failureMessage(err)));
    return;
  }
  list.replaceChildren(views.length === 0
    ? el('p', { text: t('dashboard.noAppointments') })
    : el('ul', { class: 'card-list' }, views.map(card)));
}
