// Errors of a form, as RGAA/WCAG want them: a summary at the top (role="alert", focused,
// each error a link that moves focus to its field) and the message next to each field
// (aria-invalid, aria-describedby). Fields are found by their wrapper's data-path, the
// path the API names in its errors (`record_kind`, `children[0].name`, `address.postcode`).
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { focusOn } from '../ui.js';

const CONTROLS = 'input, select, textarea, button';

/** The wrapper of `path` under root, or of its nearest parent path (`a[0].b` → `a[0]` → `a`). */
export function findField(root, path) {
  let current = String(path);
  while (current) {
    const found = [...root.querySelectorAll('[data-path]')].find((node) => node.dataset.path === current);
    if (found) return found;
    const shorter = current.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');
    if (shorter === current) return null;
    current = shorter;
  }
  return null;
}

/** The control a link to this field should focus: the checked radio, or the first control. */
export function firstControl(wrapper) {
  if (!wrapper) return null;
  if (wrapper.matches(CONTROLS)) return wrapper;
  const radios = [...wrapper.querySelectorAll('input[type="radio"]')];
  if (radios.length > 0 && wrapper.querySelector(CONTROLS) === radios[0]) {
    return radios.find((r) => r.checked) || radios[0];
  }
  return wrapper.querySelector(CONTROLS);
}

/** The field's name as the citizen reads it (its label or legend, without the required marker). */
function fieldLabel(wrapper) {
  if (!wrapper) return '';
  if (wrapper.dataset.label) return wrapper.dataset.label;
  const label = wrapper.querySelector('label, legend');
  if (!label) return '';
  const copy = label.cloneNode(true);
  for (const mark of copy.querySelectorAll('.required-mark')) mark.remove();
  return copy.textContent.trim();
}

function describe(node, id, add) {
  const ids = new Set((node.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  if (add) ids.add(id); else ids.delete(id);
  if (ids.size > 0) node.setAttribute('aria-describedby', [...ids].join(' '));
  else node.removeAttribute('aria-describedby');
}

/** The element aria-describedby goes on: the fieldset for groups of controls, else each control. */
function describedNodes(wrapper) {
  if (wrapper.tagName === 'FIELDSET') return [wrapper];
  return [...wrapper.querySelectorAll('input, select, textarea')].filter((c) => c.closest('[data-path]') === wrapper);
}

/** Remove every error message, summary and invalid state under root. */
export function clearErrors(root) {
  for (const node of root.querySelectorAll('.error-summary')) node.remove();
  for (const message of root.querySelectorAll('.field-error')) {
    const wrapper = message.closest('[data-path]');
    if (wrapper) {
      for (const node of describedNodes(wrapper)) describe(node, message.id, false);
      wrapper.classList.remove('field-invalid');
    }
    message.remove();
  }
  for (const node of root.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

/** Show `message` next to the field `wrapper`; returns the message's id. */
function markField(wrapper, message) {
  const base = wrapper.dataset.errorId || `err-${wrapper.dataset.path.replace(/[^\w-]+/g, '-')}`;
  let box = [...wrapper.children].find((c) => c.classList.contains('field-error'));
  if (box) {
    box.append(el('span', { class: 'field-error-more', text: ` ${message}` }));
    return box.id;
  }
  box = el('p', { class: 'field-error', id: `${base}-error` },
    el('span', { class: 'field-error-prefix', text: t('errors.prefix') }), ' ', message);
  const hint = [...wrapper.children].find((c) => c.classList.contains('hint'));
  const legendOrLabel = [...wrapper.children].find((c) => c.matches('legend, label'));
  (hint || legendOrLabel)?.after(box);
  if (!box.isConnected) wrapper.prepend(box);
  wrapper.classList.add('field-invalid');
  for (const node of describedNodes(wrapper)) describe(node, box.id, true);
  for (const control of wrapper.querySelectorAll('input, select, textarea')) {
    if (control.closest('[data-path]') === wrapper || wrapper.tagName === 'FIELDSET') control.setAttribute('aria-invalid', 'true');
  }
  return box.id;
}

/**
 * The error summary: a titled list of links, each moving focus to its field.
 * items: [{ message, label?, control? }] (no control: plain text), or
 * [{ message, href, follow() }]: a link to another step, follow() taking the citizen there.
 */
export function errorSummary(items, { title = t('errors.title') } = {}) {
  const id = `error-summary-${Math.random().toString(36).slice(2, 8)}`;
  return el('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': id },
    el('h2', { class: 'error-summary-title', id, text: title }),
    el('ul', {}, items.map((item) => {
      // « Pour qui ? Choisissez une réponse. », never « Pour qui ? : ».
      const key = /[?!:]$/.test(item.label || '') ? 'errors.itemAfterPunctuation' : 'errors.item';
      const text = item.label ? t(key, { label: item.label, message: item.message }) : item.message;
      if (item.href) {
        return el('li', {}, el('a', {
          href: item.href,
          text,
          onclick: (event) => {
            if (!item.follow) return;
            event.preventDefault();
            item.follow();
          },
        }));
      }
      if (!item.control?.id) return el('li', { text });
      return el('li', {}, el('a', {
        href: `#${item.control.id}`,
        text,
        onclick: (event) => {
          event.preventDefault();
          focusOn(item.control);
          item.control.closest('[data-path]')?.scrollIntoView({ block: 'start' });
        },
      }));
    })));
}

/**
 * Show API errors [{ field, message }] in `root`: each next to its field, and a summary
 * placed by `place(summary)` (default: at the start of root), then focused.
 * `other` messages (no field) go in the summary as text. `labelled: false` leaves the
 * field's name out of the summary (for messages that already name it). Returns the summary.
 */
export function showErrors(root, errors, { other = [], place, title, focus = true, labelled = true } = {}) {
  clearErrors(root);
  const items = [];
  for (const error of errors) {
    const wrapper = findField(root, error.field);
    if (wrapper) markField(wrapper, error.message);
    items.push({ message: error.message, label: labelled ? fieldLabel(wrapper) : '', control: firstControl(wrapper) });
  }
  for (const message of other) items.push({ message });
  const summary = errorSummary(items, { title });
  if (place) place(summary); else root.prepend(summary);
  if (focus) focusOn(summary);
  return summary;
}
