// One page of the form: its fields (all rendered, hidden ones `hidden`, shown again as
// soon as an answer makes them apply), « Continuer » and « Étape précédente », and the
// supporting documents the answers so far call for.
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { renderField } from './fields.js';

/** « Pièces justificatives à prévoir »: the documents these answers need, updated as they change. */
export function documentsBox() {
  const list = el('div', { class: 'documents-body' });
  const box = el('section', { class: 'documents-needed', 'aria-labelledby': 'documents-title' },
    el('h2', { id: 'documents-title', text: t('form.documentsTitle') }), list);
  return {
    box,
    update(documents) {
      list.replaceChildren(...(documents.length === 0
        ? [el('p', { text: t('form.documentsNone') })]
        : [el('p', { text: t('form.documentsIntro') }),
          el('ul', { class: 'documents' }, documents.map((doc) => el('li', {},
            el('h3', { text: doc.title }),
            doc.description && el('p', { text: doc.description }))))]));
    },
  };
}

/**
 * Render `page` of the form. answers: the current answers (read only here);
 * onAnswer(id, value) on every change; onContinue() and onBack() (null on the first page).
 * Returns { form, showVisible(fieldIds) }.
 */
export function formPage(page, answers, { onAnswer, onContinue, onBack }) {
  const wrappers = page.fields.map((field) => {
    const wrapper = renderField(field, field.id, answers[field.id], (value) => onAnswer(field.id, value));
    wrapper.dataset.field = field.id;
    return wrapper;
  });
  const hasRequired = page.fields.some((f) => f.required || (f.fields || []).some((s) => s.required));
  const submit = el('button', { type: 'submit', class: 'button', text: t('form.continue') });
  const form = el('form', { class: 'step-form', novalidate: true, 'aria-labelledby': 'page-title' },
    hasRequired && el('p', { class: 'form-note', text: t('form.requiredNote') }),
    wrappers,
    el('div', { class: 'form-actions' },
      submit,
      onBack && el('button', { type: 'button', class: 'button button-secondary', text: t('form.previous'), onclick: onBack })),
    el('p', { class: 'form-saved-note', text: t('form.savedNote') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onContinue(submit);
  });
  return {
    form,
    /** Show the fields whose ids are visible, hide the others. */
    showVisible(visible) {
      const shown = new Set(visible);
      for (const wrapper of wrappers) wrapper.hidden = !shown.has(wrapper.dataset.field);
    },
  };
}
