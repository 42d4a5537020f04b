// The check page: every visible answer, page by page, each page with « Modifier »; then the
// email code (without an account) and « Envoyer ma demande » with an Idempotency-Key made
// once for this page, so a retry can never send the request twice.
import { submissions, uuid } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { failureMessage, focusOn, whileBusy } from '../ui.js';
import { formatSize, scanBadge } from '../files.js';
import { formatAnswer } from './answers.js';
import { showErrors, clearErrors, errorSummary } from './errors.js';

/** A labelled input with hint, in the wrapper the error helpers know (data-path). */
function simpleField({ path, label, hint, input }) {
  const hintId = `${input.id}-hint`;
  input.setAttribute('aria-describedby', hintId);
  return el('div', { class: 'field', 'data-path': path, 'data-label': label, 'data-error-id': input.id },
    el('label', { class: 'label', for: input.id }, label, ' ', el('span', { class: 'required-mark', text: t('form.required') })),
    el('p', { class: 'hint', id: hintId, text: hint }),
    input);
}

function answersSection(page, fields, answers, editHref, onEdit) {
  const titleId = `review-${page.id}`;
  return el('section', { class: 'review-section', 'aria-labelledby': titleId },
    el('div', { class: 'review-header' },
      el('h2', { id: titleId, text: page.title }),
      el('a', { class: 'review-edit', href: editHref, onclick: (event) => { event.preventDefault(); onEdit(); } },
        t('review.edit'), el('span', { class: 'sr-only', text: ` ${t('review.editContext', { title: page.title })}` }))),
    el('dl', { class: 'summary-list' }, fields.map((field) => el('div', { class: 'summary-row' },
      el('dt', { text: field.label }),
      el('dd', {}, formatAnswer(field, answers[field.id]))))));
}

/** The documents and their files (from the checklist), with « Modifier » back to the documents step. */
function documentsWithFiles(documents, href, onEdit) {
  const title = t('documents.title');
  return el('section', { class: 'review-section review-documents', 'aria-labelledby': 'review-documents' },
    el('div', { class: 'review-header' },
      el('h2', { id: 'review-documents', text: title }),
      el('a', { class: 'review-edit', href, onclick: (event) => { event.preventDefault(); onEdit(); } },
        t('review.edit'), el('span', { class: 'sr-only', text: ` ${t('review.editContext', { title })}` }))),
    el('ul', { class: 'documents' }, documents.map((doc) => el('li', { 'data-document': doc.id },
      el('h3', { text: doc.title }),
      (doc.files || []).length === 0
        ? el('p', { class: 'muted', text: t('review.noFile') })
        : el('ul', { class: 'plain-list review-files' }, doc.files.map((file) => el('li', {},
          el('span', { class: 'file-title', text: file.name }), ' ',
          el('span', { class: 'file-size', text: `(${formatSize(file.size)})` }), ' – ', scanBadge(file))))))));
}

/** The address the citizen gave in a visible email field of the form, so it is not asked twice. */
function answeredEmail(form, answers, shownFields) {
  const field = form.pages.flatMap((page) => page.fields)
    .find((f) => f.type === 'email' && shownFields.has(f.id) && typeof answers[f.id] === 'string' && answers[f.id].trim());
  return field ? answers[field.id].trim() : '';
}

/**
 * Fill `container` with the check page. journey: { form, answers, visibility, documents,
 * withFiles (documents are the checklist's, with their files), documentsHref,
 * editDocuments(errors), draft, me, editHref(pageId), edit(pageId), answerErrors(errors),
 * sent(receipt, email), refreshDraft() }.
 * Returns the element to focus first.
 */
export function renderReview(container, journey) {
  const { form, answers, draft } = journey;
  const visible = journey.visibility;
  const shownFields = new Set(visible.fields);
  const sections = form.pages.filter((p) => visible.pages.includes(p.id)).map((page) => answersSection(
    page, page.fields.filter((f) => shownFields.has(f.id)), answers,
    journey.editHref(page.id), () => journey.edit(page.id)));

  const documents = journey.documents;
  const documentsSection = journey.withFiles && documents.length > 0
    ? documentsWithFiles(documents, journey.documentsHref, () => journey.editDocuments())
    : el('section', { class: 'review-section', 'aria-labelledby': 'review-documents' },
    el('h2', { id: 'review-documents', text: t('form.documentsTitle') }),
    documents.length === 0 ? el('p', { text: t('form.documentsNone') }) : [
      el('p', { text: t('review.documentsIntro') }),
      el('ul', { class: 'documents' }, documents.map((doc) => el('li', {},
        el('h3', { text: doc.title }), doc.description && el('p', { text: doc.description }))))]);

  const idempotencyKey = uuid();
  const withAccount = Boolean(draft.with_account);
  let sentTo = withAccount ? (journey.me?.email || draft.email) : draft.email || null;
  const status = el('p', { class: 'status-message', role: 'status' });

  let codeForm = null;
  let codeInput = null;
  if (!withAccount) {
    const emailInput = el('input', { type: 'email', id: 'review-email', class: 'input', autocomplete: 'email', spellcheck: 'false', required: true });
    emailInput.value = draft.email || answeredEmail(form, answers, shownFields) || journey.me?.email || '';
    const sendButton = el('button', { type: 'submit', class: 'button button-secondary', text: t('review.sendCode') });
    codeForm = el('form', { class: 'code-request', novalidate: true, 'aria-labelledby': 'review-email-title' },
      el('h3', { id: 'review-email-title', class: 'subheading', text: t('review.emailTitle') }),
      el('p', { text: t('review.emailIntro') }),
      simpleField({ path: 'email', label: t('review.email'), hint: t('review.emailHint'), input: emailInput }),
      el('div', { class: 'form-actions' }, sendButton));
    codeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      whileBusy(sendButton, async () => {
        clearErrors(container);
        status.textContent = '';
        try {
          const answer = await submissions.sendCode(draft.id, emailInput.value.trim());
          sentTo = answer?.email || emailInput.value.trim();
          // Sending a code saves the address on the draft: its version moved on.
          await journey.refreshDraft().catch(() => {});
          status.textContent = t('review.codeSent', { email: sentTo, minutes: answer?.expires_in_minutes ?? 15 });
          focusOn(codeInput);
        } catch (err) {
          showErrors(container, err.errors || [], { other: err.errors?.length ? [] : [failureMessage(err)], place: (s) => container.prepend(s) });
        }
      });
    });
    codeInput = el('input', {
      type: 'text', id: 'review-code', class: 'input input-short', inputmode: 'numeric',
      autocomplete: 'one-time-code', spellcheck: 'false', required: true,
    });
  }

  const submitButton = el('button', { type: 'submit', class: 'button button-large', text: t('review.submit') });
  const submitForm = el('form', { class: 'submit-form', novalidate: true },
    codeInput && simpleField({ path: 'code', label: t('review.code'), hint: t('review.codeHint'), input: codeInput }),
    withAccount && el('p', { text: t('review.withAccount', { email: sentTo || '' }) }),
    el('p', { text: t('review.declaration') }),
    el('div', { class: 'form-actions' }, submitButton));
  submitForm.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submitButton, async () => {
      clearErrors(container);
      try {
        const receipt = await submissions.submit(draft.id, codeInput?.value.trim() || undefined, idempotencyKey);
        journey.sent(receipt, sentTo);
      } catch (err) {
        if (err.status === 422 && err.kind === 'missing-documents') {
          missingDocuments(err);
          return;
        }
        if (err.status === 422 && err.errors.length > 0) {
          journey.answerErrors(err.errors);
          return;
        }
        showErrors(container, err.errors || [], {
          other: err.errors?.length ? [] : [failureMessage(err)],
          place: (s) => container.prepend(s),
        });
      }
    }, { disable: true });
  });

  /** A 422 missing-documents: its messages, each a link to the documents step, and next to each document. */
  function missingDocuments(err) {
    const errors = err.errors.length > 0 ? err.errors : [{ field: 'documents', message: err.detail || t('documents.missingSome') }];
    const follow = () => journey.editDocuments(errors);
    const summary = errorSummary(errors.map((e) => ({ message: e.message, href: journey.documentsHref, follow })));
    container.prepend(summary);
    for (const error of errors) {
      const id = String(error.field).replace(/^documents\./, '');
      const item = [...documentsSection.querySelectorAll('[data-document]')].find((li) => li.dataset.document === id);
      item?.querySelector('h3').after(el('p', { class: 'field-error' },
        el('span', { class: 'field-error-prefix', text: t('errors.prefix') }), ' ', error.message));
    }
    focusOn(summary);
  }

  container.replaceChildren(
    el('p', { class: 'lead', text: t('review.intro') }),
    ...sections,
    documentsSection,
    el('section', { class: 'review-section review-send', 'aria-labelledby': 'review-send' },
      el('h2', { id: 'review-send', text: t('review.sendTitle') }),
      codeForm, status, submitForm));
  return null;
}
