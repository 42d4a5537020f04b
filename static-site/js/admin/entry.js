// admin/saisie.html: a request received by phone, email, post or at the counter, recorded
// by an agent with the service's own form (the citizen site's field renderers and
// conditions): first the service, the channel and the citizen's contact, then every visible
// page of the form on one screen. The API validates it like an online request and sends
// the citizen the same confirmation and tracking link; the supporting documents are listed
// for the agent to check with the citizen, not uploaded here.
import { api, uuid } from '../api.js';
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { visibility, visibleAnswers, requiredDocuments } from '../conditions.js';
import { $, setState, failureMessage, whileBusy, focusOn, callout } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { renderField } from '../form/fields.js';
import { cleanAnswers } from '../form/answers.js';
import { recording } from './api.js';
import { adminError, initAdmin, adminTitle, allServices, servicesOf, requestHref, CHANNELS, channelLabel } from './shell.js';

const PAGE = '/admin/saisie.html';
/** The channels an agent records a request from: not online, nor an app's report (Open311), which come in by themselves. */
const OTHER_CHANNELS = Object.keys(CHANNELS).filter((c) => !['online', 'open311'].includes(c));

const mark = (required) => el('span', { class: required ? 'required-mark' : 'optional-mark', text: t(required ? 'form.required' : 'form.optional') });

/** A labelled input in the wrapper the error helpers know (data-path). */
function inputField({ path, id, label, hint, required, input }) {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return el('div', { class: 'field', 'data-path': path, 'data-label': label, 'data-error-id': id },
    el('label', { class: 'label', for: id }, label, ' ', mark(required)),
    hint && el('p', { class: 'hint', id: `${id}-hint`, text: hint }),
    input);
}

function receivedPart(services) {
  const service = el('select', { class: 'input', name: 'service', required: true },
    el('option', { value: '', text: t('admin.entry.chooseService') }),
    services.map((s) => el('option', { value: s.slug, text: s.title })));
  const channels = el('fieldset', { class: 'field', 'data-path': 'channel', 'data-label': t('admin.entry.channel'), 'data-error-id': 'entry-channel-phone' },
    el('legend', { class: 'legend' }, t('admin.entry.channel'), ' ', mark(true)),
    el('div', { class: 'choices choices-inline' }, OTHER_CHANNELS.map((channel) => el('div', { class: 'choice' },
      el('input', { class: 'choice-input', type: 'radio', name: 'channel', id: `entry-channel-${channel}`, value: channel }),
      el('label', { class: 'choice-label', for: `entry-channel-${channel}`, text: channelLabel(channel) })))));
  return el('section', { class: 'entry-part', 'aria-labelledby': 'entry-received-title' },
    el('h2', { id: 'entry-received-title', text: t('admin.entry.received') }),
    inputField({ path: 'service', id: 'entry-service', label: t('admin.filters.service'), required: true, input: service }),
    channels,
    inputField({
      path: 'citizen.email', id: 'entry-email', label: t('admin.entry.email'), hint: t('admin.entry.emailHint'), required: false,
      input: el('input', { class: 'input', type: 'email', name: 'email', autocomplete: 'off', spellcheck: 'false' }),
    }),
    inputField({
      path: 'citizen.name', id: 'entry-name', label: t('admin.entry.name'), required: false,
      input: el('input', { class: 'input', type: 'text', name: 'name', autocomplete: 'off' }),
    }),
    postalAddress());
}

/** The citizen's postal address: for a request by post or at the counter without an email address. */
function postalAddress() {
  const part = (name, label, required, short = false) => inputField({
    path: `citizen.postal_address.${name}`, id: `entry-address-${name}`, label: t(label), required,
    input: el('input', { class: short ? 'input input-short' : 'input', type: 'text', name: `address-${name}`, autocomplete: 'off' }),
  });
  return el('fieldset', { class: 'field entry-address', 'aria-describedby': 'entry-address-hint' },
    el('legend', { class: 'legend', text: t('admin.entry.postalAddress') }),
    el('p', { class: 'hint', id: 'entry-address-hint', text: t('admin.entry.postalAddressHint') }),
    part('street', 'form.address.street', false),
    part('complement', 'form.address.complement', false),
    part('postcode', 'form.address.postcode', false, true),
    part('city', 'form.address.city', false));
}

/** The service's form: every page, those the answers hide kept hidden, updated as answers change. */
function questions(form, answers) {
  const sections = form.pages.map((page) => {
    const wrappers = page.fields.map((field) => {
      const wrapper = renderField(field, field.id, answers[field.id], (value) => {
        answers[field.id] = value;
        refresh();
      });
      wrapper.dataset.field = field.id;
      return wrapper;
    });
    return el('section', { class: 'entry-page', 'data-page': page.id, 'aria-labelledby': `entry-page-${page.id}` },
      el('h3', { id: `entry-page-${page.id}`, text: page.title }), wrappers);
  });
  const documents = el('div', { class: 'documents-body' });
  const box = el('section', { class: 'documents-needed entry-documents', 'aria-labelledby': 'entry-documents-title' },
    el('h3', { id: 'entry-documents-title', text: t('admin.entry.documents') }), documents);
  function refresh() {
    const shown = visibility(form, answers);
    const pages = new Set(shown.pages);
    const fields = new Set(shown.fields);
    for (const section of sections) {
      section.hidden = !pages.has(section.dataset.page);
      for (const wrapper of section.querySelectorAll('[data-field]')) wrapper.hidden = !fields.has(wrapper.dataset.field);
    }
    const docs = requiredDocuments(form, answers);
    documents.replaceChildren(...(docs.length === 0
      ? [el('p', { text: t('admin.entry.noDocument') })]
      : [el('p', { text: t('admin.entry.documentsIntro') }),
        el('ul', { class: 'documents' }, docs.map((doc) => el('li', {}, el('h4', { text: doc.title }), doc.description && el('p', { text: doc.description }))))]));
  }
  refresh();
  const part = el('section', { class: 'entry-part', 'aria-labelledby': 'entry-questions-title' },
    el('h2', { id: 'entry-questions-title', tabindex: '-1', text: t('admin.entry.questions', { service: form.title || '' }).trim() }),
    el('p', { class: 'form-note', text: t('form.requiredNote') }),
    sections, box);
  // The fields are about the citizen, not the agent: the browser must not fill in the agent's own details.
  for (const input of part.querySelectorAll('[autocomplete]')) input.setAttribute('autocomplete', 'off');
  return part;
}

function sent(receipt, email, city) {
  const box = callout('success', t('admin.entry.done', { reference: receipt.reference }),
    el('p', { text: email ? t('admin.entry.doneEmail', { email }) : t('admin.entry.doneLetter') }),
    el('ul', { class: 'inline-links' },
      el('li', {}, el('a', { href: requestHref(receipt.reference), text: t('admin.entry.open') })),
      el('li', {}, el('a', { href: PAGE, text: t('admin.entry.another') }))));
  $('#page-content').replaceChildren(box);
  adminTitle(t('admin.entry.done', { reference: receipt.reference }), city);
  focusOn(box);
}

try {
  const session = await initAdmin({ current: PAGE });
  if (session) {
    const { city, me } = session;
    adminTitle(t('admin.entry'), city);
    const services = servicesOf(me, await allServices());
    const load = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.entry.load') });
    const submit = el('button', { type: 'submit', class: 'button', text: t('admin.entry.submit') });
    const holder = el('div', { id: 'entry-questions' });
    const actions = el('div', { class: 'form-actions', hidden: true }, submit);
    const formNode = el('form', { id: 'entry-form', class: 'entry-form', novalidate: true, 'aria-labelledby': 'page-title' },
      receivedPart(services), el('div', { class: 'form-actions' }, load), holder, actions);
    $('#page-content').replaceChildren(el('p', { class: 'lead', text: t('admin.entry.intro') }), formNode);

    /** The service's form now shown, its answers, and the key that makes a retry safe. */
    let current = null;
    const values = () => ({
      service: formNode.elements.service.value,
      channel: formNode.elements.channel.value,
      email: formNode.elements.email.value.trim(),
      name: formNode.elements.name.value.trim(),
      address: Object.fromEntries(['street', 'complement', 'postcode', 'city']
        .map((part) => [part, formNode.elements[`address-${part}`].value.trim()])),
    });

    load.addEventListener('click', () => whileBusy(load, async () => {
      clearErrors(formNode);
      const { service } = values();
      if (!service) {
        showErrors(formNode, [{ field: 'service', message: t('admin.entry.serviceMissing') }]);
        return;
      }
      try {
        const form = await api.form(service);
        const title = services.find((s) => s.slug === service)?.title || service;
        current = { service, form: { ...form, title }, answers: {}, key: uuid() };
        setChildren(holder, questions(current.form, current.answers));
        actions.hidden = false;
        focusOn($('#entry-questions-title'));
      } catch (err) {
        current = null;
        holder.replaceChildren();
        actions.hidden = true;
        showErrors(formNode, [{ field: 'service', message: err.status === 404 ? t('admin.entry.noForm') : failureMessage(err) }]);
      }
    }));

    formNode.addEventListener('submit', (event) => {
      event.preventDefault();
      whileBusy(submit, async () => {
        clearErrors(formNode);
        const { service, channel, email, name, address } = values();
        const written = Object.values(address).some(Boolean);
        const mistakes = [];
        if (!current || service !== current.service) mistakes.push({ field: 'service', message: t('admin.entry.serviceChanged') });
        if (!channel) mistakes.push({ field: 'channel', message: t('admin.entry.channelMissing') });
        if (!email && !['post', 'counter'].includes(channel)) mistakes.push({ field: 'citizen.email', message: t('admin.entry.emailMissing') });
        if (mistakes.length > 0) {
          showErrors(formNode, mistakes);
          adminTitle(t('errors.titlePrefix', { title: t('admin.entry') }), city);
          return;
        }
        try {
          const receipt = await recording.record({
            service,
            channel,
            citizen: {
              email: email || undefined,
              name: name || undefined,
              postal_address: written ? { ...address, complement: address.complement || undefined } : undefined,
            },
            answers: cleanAnswers(visibleAnswers(current.form, current.answers)),
          }, current.key);
          sent(receipt, email, city);
        } catch (err) {
          const errors = err.errors || [];
          showErrors(formNode, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
          adminTitle(t('errors.titlePrefix', { title: t('admin.entry') }), city);
        }
      }, { disable: true });
    });
    setState('ready');
  }
} catch (err) {
  adminError(err, err.city);
}
