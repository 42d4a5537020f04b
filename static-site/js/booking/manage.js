// rendez-vous/gerer.html#<token>: the appointment of an emailed manage link (the token stays
// in the fragment, never sent in a URL). « Annuler le rendez-vous » after a confirmation
// step; « Changer de créneau » with the slot chooser of the same type, the new slot held
// then confirmed. Cancelling or moving ends this link (a move emails a new one).
import { booking } from '../api.js';
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, initPage, setTitle, setState, callout, focusOn, whileBusy, failureMessage, fragment, showError } from '../ui.js';
import { slotChooser, slotProblem } from './slots.js';
import { appointmentFacts, bringList } from './view.js';

const cityReady = initPage();
const token = fragment();
const state = { city: null, view: null, type: null };

const content = () => $('#page-content');

function title(key) {
  $('#page-title').textContent = t(key);
  setTitle(t(key), state.city);
}

/** The status line under the facts: what the last action did (read at once, focused). */
function said(message) {
  const box = callout('success', message);
  box.setAttribute('role', 'status');
  return box;
}

function alertBox(message) {
  const box = callout('error', message);
  box.setAttribute('role', 'alert');
  return box;
}

/** The appointment and, while the link may change it, the two actions. */
function show(view, { message = null, spent = false } = {}) {
  state.view = view;
  title('booking.manageTitle');
  const done = message && said(message);
  const actions = el('section', { class: 'section manage-actions', 'aria-labelledby': 'manage-actions-title' });
  setChildren(content(),
    done,
    el('div', { id: 'manage-alert' }),
    appointmentFacts(view, { status: true }),
    view.status === 'booked' && bringList(view.bring),
    view.status === 'booked' && view.can_change && actions,
    // Cancelled: the way to another appointment of the same kind, right here.
    view.status === 'cancelled' && el('p', {}, el('a', {
      class: 'button', href: `/rendez-vous/?type=${encodeURIComponent(view.type)}`, text: t('booking.bookAgain'),
    })));
  if (view.status === 'booked' && view.can_change) renderActions(actions);
  else if (view.status === 'booked' && !spent) content().append(el('p', { text: t('booking.cannotChange') }));
  if (done) focusOn(done);
}

function renderActions(box, { focus = false } = {}) {
  const change = el('button', { type: 'button', class: 'button', text: t('booking.change') });
  const cancel = el('button', { type: 'button', class: 'button button-secondary', text: t('booking.cancel') });
  change.addEventListener('click', () => chooseAgain(box));
  cancel.addEventListener('click', () => confirmCancel(box));
  setChildren(box,
    el('h2', { id: 'manage-actions-title', tabindex: '-1', text: t('booking.manageActions') }),
    el('p', { text: t('booking.manageIntro') }),
    el('div', { class: 'form-actions' }, change, cancel));
  if (focus) focusOn(box.querySelector('h2'));
}

function confirmCancel(box) {
  const yes = el('button', { type: 'button', class: 'button', text: t('booking.cancelYes') });
  const no = el('button', { type: 'button', class: 'button button-secondary', text: t('booking.cancelNo') });
  no.addEventListener('click', () => renderActions(box, { focus: true }));
  yes.addEventListener('click', () => whileBusy(yes, async () => {
    try {
      const view = await booking.cancel(token);
      show(view, { message: t('booking.cancelled') });
    } catch (err) {
      failed(err);
    }
  }));
  setChildren(box,
    el('h2', { id: 'manage-actions-title', tabindex: '-1', text: t('booking.cancelTitle') }),
    el('p', { text: t('booking.cancelQuestion', { label: state.view.label }) }),
    el('div', { class: 'form-actions' }, yes, no));
  focusOn(box.querySelector('h2'));
}

function failed(err) {
  if (err?.status === 404) {
    dead();
    return;
  }
  const box = alertBox(failureMessage(err));
  $('#manage-alert').replaceChildren(box);
  focusOn(box);
}

async function chooseAgain(box, { message = null } = {}) {
  state.type ??= (await booking.types().catch(() => [])).find((type) => type.id === state.view.type)
    || { id: state.view.type, title: state.view.type_title, agendas: [{ id: state.view.agenda, title: state.view.agenda_title, address: state.view.address }] };
  const keep = el('button', { type: 'button', class: 'button button-secondary', text: t('booking.keep') });
  keep.addEventListener('click', () => renderActions(box, { focus: true }));
  const chooser = slotChooser({
    type: state.type, agenda: '', prefix: 'new-slots', heading: t('booking.chooseNew'),
    onHeld: (hold, slot) => confirmMove(box, hold, slot),
  });
  setChildren(box, chooser.node, el('div', { class: 'form-actions' }, keep));
  const loaded = chooser.reload();
  if (message) chooser.alert(message);
  else focusOn(box.querySelector('h2'));
  await loaded;
}

function confirmMove(box, hold, slot) {
  const yes = el('button', { type: 'button', class: 'button', text: t('booking.moveYes') });
  const other = el('button', { type: 'button', class: 'button button-secondary', text: t('booking.chooseAnother') });
  other.addEventListener('click', () => chooseAgain(box));
  yes.addEventListener('click', () => whileBusy(yes, async () => {
    try {
      const answer = await booking.reschedule(token, hold.hold);
      const view = answer?.appointment || answer;
      // The link is spent: the page shows the new slot without actions.
      show({ ...view, can_change: false }, { message: t('booking.moved'), spent: true });
    } catch (err) {
      const problem = slotProblem(err);
      if (problem) await chooseAgain(box, { message: problem });
      else failed(err);
    }
  }));
  setChildren(box,
    el('h2', { id: 'manage-actions-title', tabindex: '-1', text: t('booking.moveTitle') }),
    el('p', {}, t('booking.moveFrom'), ' ', el('strong', { text: state.view.label })),
    el('p', {}, t('booking.moveTo'), ' ', el('strong', { text: slot.label })),
    el('div', { class: 'form-actions' }, yes, other));
  focusOn(box.querySelector('h2'));
}

/** A link that no longer leads to an appointment. */
function dead() {
  title('link.invalidTitle');
  content().replaceChildren(callout('error', t('booking.deadLink'),
    el('p', { text: t('booking.deadLinkHint') }),
    el('ul', { class: 'inline-links' },
      el('li', {}, el('a', { href: '/compte/#rendez-vous', text: t('booking.myAppointments') })),
      el('li', {}, el('a', { href: '/', text: t('error.backHome') })))));
  setState('error');
}

try {
  state.city = await cityReady;
  if (!token) {
    title('booking.manageTitle');
    content().replaceChildren(callout('info', t('booking.noLink'),
      el('p', { text: t('booking.noLinkHint') }),
      el('p', {}, el('a', { href: '/compte/#rendez-vous', text: t('booking.myAppointments') }))));
    setState('ready');
  } else {
    let view = null;
    try {
      view = await booking.manage(token);
    } catch (err) {
      if (err.status !== 404) throw err;
    }
    if (view) {
      show(view);
      setState('ready');
    } else {
      dead();
    }
  }
} catch (err) {
  showError(err, state.city);
}
