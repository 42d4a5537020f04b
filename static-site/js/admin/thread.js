// The thread on the agents' request page: messages and internal notes (each note marked
// « Note interne » in words and by its frame), and the form to write: a message to the
// citizen, a message asking for something (the request then waits for the citizen), or
// an internal note only agents read.
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { failureMessage, focusOn, whileBusy } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { messagesOf, messageList, textField, checkText, attachmentsField } from '../thread.js';
import { messaging, files } from './api.js';
import { status } from './shell.js';

const KINDS = [
  { value: 'reply', label: 'admin.thread.reply', hint: 'admin.thread.replyHint' },
  { value: 'ask', label: 'admin.thread.ask', hint: 'admin.thread.askHint' },
  { value: 'internal', label: 'admin.thread.internal', hint: 'admin.thread.internalHint' },
];

function kindField() {
  return el('fieldset', { class: 'field', 'data-path': 'kind' },
    el('legend', { class: 'legend', text: t('admin.thread.kind') }),
    el('div', { class: 'choices' }, KINDS.map((kind, i) => {
      const id = `message-kind-${kind.value}`;
      return el('div', { class: 'choice' },
        el('input', { class: 'choice-input', type: 'radio', name: 'kind', id, value: kind.value, checked: i === 0, 'aria-describedby': `${id}-hint` }),
        el('div', {},
          el('label', { class: 'choice-label', for: id, text: t(kind.label) }),
          el('p', { class: 'hint choice-hint', id: `${id}-hint`, text: t(kind.hint) })));
    })));
}

/**
 * The thread section of request `reference`. request(): the detail as last read (its
 * version goes with « Demander un complément »); onChanged(): the request moved (asked);
 * onConflict(err): a 409, the detail must be read again.
 * Returns { section, load() }.
 */
export function threadSection(reference, { request, onChanged, onConflict }) {
  const list = el('div', { class: 'thread-list', 'aria-live': 'off' });
  const { textarea, field } = textField('message-text', t('admin.thread.text'), t('admin.thread.textHint'));
  const attached = attachmentsField('message-files', {
    grant: (announced) => files.grant(reference, announced),
    confirm: (id) => files.confirm(reference, id),
  });
  const submit = el('button', { type: 'submit', class: 'button', text: t('admin.thread.send') });
  const form = el('form', { class: 'message-form', novalidate: true, 'aria-labelledby': 'message-form-title' },
    el('h3', { id: 'message-form-title', text: t('admin.thread.write') }),
    kindField(), field, attached.field,
    el('div', { class: 'form-actions' }, submit));
  const section = el('section', { id: 'echanges', class: 'section', 'aria-labelledby': 'thread-title' },
    el('h2', { id: 'thread-title', text: t('admin.thread.title') }),
    list, form);
  const download = (file) => files.download(reference, file.id);

  /** « Demander un complément » only when the workflow lets this agent ask from the current status. */
  function offerAsk(canAsk) {
    const choice = form.querySelector('#message-kind-ask').closest('.choice');
    choice.hidden = !canAsk;
    if (!canAsk && form.elements.kind.value === 'ask') form.querySelector('#message-kind-reply').checked = true;
  }

  async function load() {
    const answer = await messaging.thread(reference);
    list.replaceChildren(messageList(messagesOf(answer), { viewer: 'agent', download }));
    offerAsk(Boolean(answer.can_ask));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      clearErrors(form);
      const kind = form.elements.kind.value;
      const mistakes = checkText(textarea.value, attached);
      if (mistakes.length > 0) {
        showErrors(form, mistakes);
        return;
      }
      const body = { text: textarea.value, internal: kind === 'internal', files: attached.ids() };
      if (kind === 'ask') body.ask = { version: request().version };
      try {
        await messaging.send(reference, body);
      } catch (err) {
        if (err.status === 409) {
          await onConflict(err);
          return;
        }
        const errors = err.errors || [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
        return;
      }
      form.reset();
      attached.reset();
      await load().catch(() => {});
      if (kind === 'ask') await onChanged();
      status(t(kind === 'internal' ? 'admin.thread.noted' : kind === 'ask' ? 'admin.thread.asked' : 'admin.thread.sent'));
      focusOn(list.querySelector('.message:last-child') || list);
    }, { disable: true });
  });

  return { section, load };
}
