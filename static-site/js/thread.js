// A request's thread as people read it, on the citizen's follow-up page and on the agents'
// request page: each message's author, date, text and files. The text is the API's plain
// text, put in the page with textContent only (its line breaks kept by CSS): markup or
// script typed in a message is shown as the characters typed, never interpreted.
import { t } from './i18n/index.js';
import { el } from './text.js';
import { uploadFile } from './api.js';
import { formatDate, whileBusy, failureMessage, focusOn } from './ui.js';
import { formatSize, formatOf, acceptFor, formatList, downloadButton } from './files.js';
import { showErrors, clearErrors } from './form/errors.js';
import { hasVisible } from './visible.js';

/** The messages of a thread answer (a list, or { messages: [...] }), oldest first. */
export function messagesOf(answer) {
  const list = Array.isArray(answer) ? answer : answer?.messages || [];
  return [...list].sort((a, b) => String(a.at).localeCompare(String(b.at)));
}

/**
 * One file of a message, with « Télécharger » when `download(file)` is given: it resolves
 * to a download grant ({ url }) the browser then opens.
 */
function fileItem(file, download) {
  const item = el('li', { class: 'file-item' },
    el('p', { class: 'file-name' }, el('span', { class: 'file-title', text: file.name }), ' ',
      el('span', { class: 'file-size', text: `(${formatSize(file.size)})` })));
  if (download) item.append(...downloadButton(file, download));
  return item;
}

/**
 * One message. viewer: 'citizen' or 'agent' (who reads: the citizen's own messages are
 * « Vous », agents are « Le service » on the citizen's side). Internal notes say so in words.
 */
export function messageItem(message, { viewer, download = null }) {
  const author = message.author || {};
  const fromCitizen = author.kind === 'citizen';
  let who;
  if (viewer === 'citizen') who = fromCitizen ? t('thread.you') : author.name ? t('thread.agentNamed', { name: author.name }) : t('thread.service');
  else who = fromCitizen ? (author.name ? t('thread.citizenNamed', { name: author.name }) : t('thread.citizen')) : (author.name || t('thread.service'));
  const files = message.files || [];
  return el('li', {
    class: `message ${fromCitizen ? 'message-citizen' : 'message-agent'}${message.internal ? ' message-internal' : ''}`,
    'data-message': message.id,
  },
  message.internal && el('p', { class: 'message-flag' },
    el('strong', { text: t('thread.internal') }), ' ', el('span', { class: 'message-flag-hint', text: t('thread.internalHint') })),
  el('p', { class: 'message-meta' },
    el('span', { class: 'message-author', text: who }), ' ',
    el('time', { datetime: message.at, text: formatDate(message.at, { time: true }) }),
    message.new && [' ', el('span', { class: 'badge badge-new', text: t('thread.new') })],
    typeof message.read_by_citizen === 'boolean' && [' ', el('span', {
      class: 'message-read', text: t(message.read_by_citizen ? 'thread.readByCitizen' : 'thread.unreadByCitizen'),
    })]),
  el('p', { class: 'message-text', text: message.text ?? '' }),
  files.length > 0 && el('ul', { class: 'file-list message-files', 'aria-label': t('thread.files') },
    files.map((file) => fileItem(file, download && (() => download(file))))));
}

/** The list of messages, or a sentence when there are none. */
export function messageList(messages, options) {
  if (messages.length === 0) return el('p', { class: 'thread-empty', text: t(options.viewer === 'citizen' ? 'thread.emptyCitizen' : 'thread.empty') });
  return el('ol', { class: 'thread' }, messages.map((m) => messageItem(m, options)));
}

/** The textarea of a message form, labelled, with its hint and error wrapper (data-path="text"). */
export function textField(id, label, hint) {
  const textarea = el('textarea', { class: 'input textarea', id, name: 'text', required: true, maxlength: '5000', 'aria-describedby': `${id}-hint` });
  return {
    textarea,
    field: el('div', { class: 'field', 'data-path': 'text', 'data-error-id': id },
      el('label', { class: 'label', for: id }, label, ' ', el('span', { class: 'required-mark', text: t('form.required') })),
      el('p', { class: 'hint', id: `${id}-hint`, text: hint }),
      textarea),
  };
}

/** The formats a thread takes (the service's form may narrow them: the server says so then). */
const THREAD_FORMATS = ['pdf', 'jpeg', 'png'];

/**
 * « Joindre des fichiers » of a message form: each file chosen is sent at once (grant(announced)
 * → upload → confirm(id)), listed with « Retirer », its failure said next to it. Returns
 * { field, ids() (the files to send with the message), busy(), reset() }.
 */
export function attachmentsField(id, { grant, confirm }) {
  const input = el('input', {
    type: 'file', class: 'input-file', id, multiple: true, accept: acceptFor(THREAD_FORMATS), 'aria-describedby': `${id}-hint`,
  });
  const list = el('ul', { class: 'file-list attached-files' });
  const said = el('p', { class: 'sr-only', role: 'status' });
  const attached = new Map();
  let pending = 0;

  async function send(file) {
    const item = el('li', { class: 'file-item' },
      el('p', { class: 'file-name' }, el('span', { class: 'file-title', text: file.name }), ' ',
        el('span', { class: 'file-size', text: `(${formatSize(file.size)})` })));
    const state = el('p', { class: 'file-scan', text: t('thread.attaching') });
    item.append(state);
    list.append(item);
    said.textContent = t('documents.started', { name: file.name });
    pending += 1;
    try {
      const granted = await grant({ name: file.name, type: formatOf(file).type, size: file.size });
      await uploadFile(granted.upload, file).promise;
      await confirm(granted.file.id);
      attached.set(granted.file.id, file.name);
      state.textContent = t('thread.attached');
      const remove = el('button', { type: 'button', class: 'button button-secondary button-small' },
        t('thread.detach'), el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: file.name })}` }));
      remove.addEventListener('click', () => {
        attached.delete(granted.file.id);
        item.remove();
        said.textContent = t('thread.detached', { name: file.name });
        focusOn(input);
      });
      item.append(el('div', { class: 'file-actions' }, remove));
      said.textContent = t('thread.attachedNamed', { name: file.name });
    } catch (err) {
      item.classList.add('file-failed');
      state.replaceChildren(el('span', { class: 'form-error', text: `${t('errors.prefix')} ${failureMessage(err)}` }));
      said.textContent = t('documents.failed', { name: file.name });
    } finally {
      pending -= 1;
    }
  }

  input.addEventListener('change', () => {
    const chosen = [...input.files];
    input.value = '';
    return Promise.all(chosen.map(send));
  });
  const field = el('div', { class: 'field', 'data-path': 'files', 'data-label': t('thread.files'), 'data-error-id': id },
    el('label', { class: 'label', for: id }, t('thread.attach'), ' ', el('span', { class: 'optional-mark', text: t('form.optional') })),
    el('p', { class: 'hint', id: `${id}-hint`, text: t('thread.attachHint', { formats: formatList(THREAD_FORMATS) }) }),
    input, list, said);
  return {
    field,
    ids: () => [...attached.keys()],
    busy: () => pending > 0,
    reset() {
      attached.clear();
      list.replaceChildren();
    },
  };
}

/** A message's own mistakes, before asking the server. */
export function checkText(text, attachments = null) {
  const mistakes = [];
  if (!hasVisible(text)) mistakes.push({ field: 'text', message: t('thread.textMissing') });
  else if ([...text].length > 5000) mistakes.push({ field: 'text', message: t('thread.textTooLong') });
  if (attachments?.busy()) mistakes.push({ field: 'files', message: t('thread.stillAttaching') });
  return mistakes;
}

/**
 * The thread on the citizen's follow-up page: the messages (never an internal note: the
 * API does not send them) and « Écrire au service ». access: { token } or { reference }.
 * Resolves to the section, or null when this portal has no messaging.
 */
export async function citizenThread(access, { messaging, attachments, download }) {
  let messages;
  try {
    messages = messagesOf(await messaging.thread(access));
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
  const list = el('div', { class: 'thread-list' }, messageList(messages, { viewer: 'citizen', download }));
  const { textarea, field } = textField('citizen-message', t('thread.write'), t('thread.writeHint'));
  const files = attachmentsField('citizen-message-files', {
    grant: (announced) => attachments.threadGrant(access, announced),
    confirm: (id) => attachments.threadConfirm(access, id),
  });
  const submit = el('button', { type: 'submit', class: 'button', text: t('thread.send') });
  const sent = el('p', { class: 'status-message', role: 'status' });
  const form = el('form', { class: 'message-form', novalidate: true, 'aria-labelledby': 'citizen-message-title' },
    el('h3', { id: 'citizen-message-title', text: t('thread.writeTitle') }), field, files.field,
    el('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      clearErrors(form);
      sent.textContent = '';
      const mistakes = checkText(textarea.value, files);
      if (mistakes.length > 0) {
        showErrors(form, mistakes);
        return;
      }
      try {
        await messaging.send(access, textarea.value, files.ids());
      } catch (err) {
        const errors = err.errors || [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
        return;
      }
      form.reset();
      files.reset();
      list.replaceChildren(messageList(messagesOf(await messaging.thread(access)), { viewer: 'citizen', download }));
      sent.textContent = t('thread.sent');
    }, { disable: true });
  });
  return el('section', { id: 'echanges', class: 'section', 'aria-labelledby': 'thread-title' },
    el('h2', { id: 'thread-title', text: t('thread.title') }), list, sent, form);
}
