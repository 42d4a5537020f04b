// rendez-vous/?type=<type>[&agenda=<agenda>][&reference=<request>]: an appointment in three
// steps on one page: choose a slot (held 10 minutes for the citizen), give one's details,
// read the confirmation. The slot is booked with an Idempotency-Key made once per hold, so
// a retry never books twice; a slot taken meanwhile sends the citizen back to the slots
// with a focused message. Without ?type, the appointment types offered online.
import { booking, ApiError, uuid } from '../api.js';
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { currentAccount } from '../session.js';
import { $, initPage, setTitle, setState, breadcrumb, showError, focusOn, whileBusy, failureMessage } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { slotChooser, slotProblem, timeOf } from './slots.js';
import { appointmentFacts, bringList } from './view.js';
import { hasVisible } from '../visible.js';

const cityReady = initPage();
const query = new URLSearchParams(location.search);
const wanted = { type: query.get('type') || '', agenda: query.get('agenda') || '', reference: (query.get('reference') || '').trim() };

const state = { city: null, type: null, me: null, chooser: null, alertOnReturn: null };

const content = () => $('#page-content');

function step(titleKey) {
  const title = t(titleKey);
  $('#page-title').textContent = title;
  setTitle(`${title} – ${state.type.title}`, state.city);
}

const referenceNote = () => wanted.reference && el('p', { class: 'lead', text: t('booking.forRequest', { reference: wanted.reference }) });

/** Step 1: the slots. `message`: a slot problem to say first (focused). */
function choose({ message = null, focus = false } = {}) {
  step('booking.chooseTitle');
  state.chooser = slotChooser({ type: state.type, agenda: wanted.agenda, onHeld: details });
  setChildren(content(), referenceNote(), el('p', { class: 'form-note', text: t('booking.chooseIntro') }), state.chooser.node);
  const loaded = state.chooser.reload();
  if (message) state.chooser.alert(message);
  else if (focus) focusOn($('#page-title'));
  return loaded;
}

const mark = (required) => el('span', { class: required ? 'required-mark' : 'optional-mark', text: t(required ? 'form.required' : 'form.optional') });

function field({ path, label, hint, required, input }) {
  input.id = `booking-${path}`;
  if (hint) input.setAttribute('aria-describedby', `${input.id}-hint`);
  return el('div', { class: 'field', 'data-path': path, 'data-label': label, 'data-error-id': input.id },
    el('label', { class: 'label', for: input.id }, label, ' ', mark(required)),
    hint && el('p', { class: 'hint', id: `${input.id}-hint`, text: hint }),
    input);
}

/** Step 2: the held slot, the citizen's details, « Confirmer le rendez-vous ». */
function details(hold, slot) {
  step('booking.detailsTitle');
  const key = uuid();
  const profile = state.me?.profile || {};
  const name = el('input', { class: 'input', type: 'text', name: 'name', autocomplete: 'name', required: true });
  name.value = profile.name || '';
  const email = !state.me && el('input', { class: 'input', type: 'email', name: 'email', autocomplete: 'email', spellcheck: 'false', required: true });
  const phone = el('input', { class: 'input', type: 'tel', name: 'phone', autocomplete: 'tel' });
  phone.value = profile.phone || '';
  // The type's own questions (« Numéro de pré-demande »), answered as short texts.
  const questions = (state.type.questions || []).map((q) => ({
    question: q,
    input: el('input', { class: 'input', type: 'text', name: `answers.${q.id}`, maxlength: '200', spellcheck: 'false', required: q.required ? true : null }),
  }));
  const again = el('button', { type: 'button', class: 'button button-secondary button-small', text: t('booking.chooseAnother') });
  again.addEventListener('click', () => choose({ focus: true }));
  const submit = el('button', { type: 'submit', class: 'button', text: t('booking.confirm') });
  const form = el('form', { class: 'step-form booking-form', novalidate: true },
    el('p', { class: 'form-note', text: t('form.requiredNote') }),
    field({ path: 'name', label: t('account.name'), required: true, input: name }),
    email
      ? field({ path: 'email', label: t('account.email'), hint: t('booking.emailHint'), required: true, input: email })
      : el('p', { text: t('booking.emailSignedIn', { email: state.me.email }) }),
    field({ path: 'phone', label: t('account.phone'), hint: t('booking.phoneHint'), required: false, input: phone }),
    ...questions.map(({ question, input }) => field({ path: `answers.${question.id}`, label: question.label, hint: question.help, required: question.required, input })),
    el('div', { class: 'form-actions' }, submit));
  setChildren(content(),
    el('div', { class: 'callout held-slot' },
      el('p', { class: 'callout-title', text: t('booking.yourSlot') }),
      el('p', { class: 'held-label', text: slot.label }),
      (state.type.agendas || []).find((a) => a.id === slot.agenda)?.address
        && el('p', { text: state.type.agendas.find((a) => a.id === slot.agenda).address }),
      hold.expires_at && el('p', { text: t('booking.heldUntil', { time: timeOf(hold.expires_at, state.city?.timezone) }) }),
      el('p', {}, again)),
    referenceNote(),
    bringList(state.type.bring),
    form);
  focusOn($('#page-title'));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      clearErrors(form);
      const missing = [];
      if (!hasVisible(name.value)) missing.push({ field: 'name', message: t('booking.nameMissing') });
      if (email && !email.value.trim()) missing.push({ field: 'email', message: t('booking.emailMissing') });
      for (const { question, input } of questions) {
        if (question.required && !hasVisible(input.value)) missing.push({ field: `answers.${question.id}`, message: t('booking.answerMissing') });
      }
      if (missing.length > 0) {
        showErrors(form, missing);
        return;
      }
      let appointment;
      try {
        appointment = await booking.book({
          hold: hold.hold,
          name: name.value.trim(),
          email: email ? email.value.trim() : undefined,
          phone: phone.value.trim() || undefined,
          reference: wanted.reference || undefined,
          answers: Object.fromEntries(questions.filter(({ input }) => input.value.trim()).map(({ question, input }) => [question.id, input.value.trim()])),
        }, key);
      } catch (err) {
        const problem = slotProblem(err);
        if (problem) {
          await choose({ message: problem });
          return;
        }
        const errors = err instanceof ApiError ? err.errors : [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [err.detail && err.status === 422 ? err.detail : failureMessage(err)] });
        return;
      }
      done(appointment, email ? email.value.trim() : state.me.email);
    });
  });
}

/** Step 3: the confirmation. */
function done(appointment, email) {
  step('booking.doneTitle');
  setChildren(content(),
    el('div', { class: 'confirmation-panel' },
      el('p', { class: 'confirmation-label', text: t('booking.yourAppointment') }),
      el('p', { class: 'appointment-when', text: appointment.label })),
    appointmentFacts(appointment),
    email && el('p', { class: 'lead' }, t('booking.emailed'), ' ', el('strong', { text: email }), '.'),
    bringList(appointment.bring),
    el('section', { class: 'section', 'aria-labelledby': 'booking-calendar' },
      el('h2', { id: 'booking-calendar', text: t('booking.addToCalendar') }),
      el('p', { text: t('booking.icsNote') })),
    el('section', { class: 'section', 'aria-labelledby': 'booking-change' },
      el('h2', { id: 'booking-change', text: t('booking.changeTitle') }),
      el('p', { text: t('booking.changeNote') }),
      state.me && el('p', {}, el('a', { href: '/compte/#rendez-vous', text: t('booking.myAppointments') }))),
    el('p', {}, el('a', { href: '/', text: t('error.backHome') })));
  focusOn($('#page-title'));
}

/** Without a type: the appointments that can be made online. */
function typeList(types) {
  $('#page-title').textContent = t('booking.title');
  setTitle(t('booking.title'), state.city);
  setChildren(content(), types.length === 0
    ? el('p', { text: t('booking.noType') })
    : el('ul', { class: 'card-list' }, types.map((type) => el('li', { class: 'card' },
      el('h2', { class: 'card-title' }, el('a', { href: `/rendez-vous/?type=${encodeURIComponent(type.id)}`, text: type.title })),
      el('p', { text: (type.agendas || []).map((a) => a.title).join(' ; ') })))));
}

try {
  const [city, types, me] = await Promise.all([cityReady, booking.types(), currentAccount()]);
  Object.assign(state, { city, me });
  breadcrumb([{ label: t('booking.title') }]);
  if (!wanted.type) {
    typeList(types);
  } else {
    state.type = types.find((type) => type.id === wanted.type);
    if (!state.type) throw new ApiError({ status: 404 });
    $('#form-service').textContent = state.type.title;
    $('#form-service').hidden = false;
    await choose();
  }
  setState('ready');
} catch (err) {
  showError(err, await cityReady, { notFound: 'booking.notFound', notFoundTitle: 'booking.notFoundTitle' });
}
