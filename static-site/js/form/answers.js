// Answers as the API wants them (docs/forms.md): blank strings, nulls and empty lists
// left out; and answers as the citizen reads them on the check page.
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { formatDate } from '../ui.js';
import { hasVisible } from '../visible.js';

/** Missing as the form language says: absent, null, a string with nothing visible or an empty list. */
export function isMissing(value) {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return !hasVisible(value);
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

function cleanValue(value) {
  if (Array.isArray(value)) {
    return value.map((item) => (item && typeof item === 'object' && !Array.isArray(item) ? cleanObject(item) : item));
  }
  if (value && typeof value === 'object') {
    const object = cleanObject(value);
    return Object.keys(object).length > 0 ? object : null;
  }
  return value;
}

function cleanObject(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) {
    const cleaned = cleanValue(value);
    if (!isMissing(cleaned)) out[key] = cleaned;
  }
  return out;
}

/** The answers without missing values (group items are kept, even empty: the citizen added them). */
export function cleanAnswers(answers) {
  return cleanObject(answers || {});
}

/** The top-level field id of an error path: `children[0].name` → `children`. */
export const rootField = (path) => String(path).split(/[.[]/)[0];

/** Fill fields carrying `prefill` from the signed-in citizen, where nothing is answered yet. */
export function prefill(form, me, answers) {
  if (!me) return answers;
  const profile = me.profile || {};
  const source = {
    name: profile.name,
    email: me.email,
    phone: profile.phone,
    address: profile.address ? cleanObject(profile.address) : null,
  };
  const out = { ...answers };
  for (const field of form.pages.flatMap((page) => page.fields)) {
    if (field.prefill && isMissing(out[field.id]) && !isMissing(source[field.prefill])) {
      out[field.id] = source[field.prefill];
    }
  }
  return out;
}

const optionLabel = (field, value) => (field.options || []).find((o) => o.value === value)?.label ?? String(value);

/** An answer as text or nodes for the check page. */
export function formatAnswer(field, value) {
  if (isMissing(value) || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)) {
    return el('span', { class: 'muted', text: t('review.empty') });
  }
  switch (field.type) {
    case 'choice': return optionLabel(field, value);
    case 'choices': return el('ul', { class: 'plain-list' }, value.map((v) => el('li', { text: optionLabel(field, v) })));
    case 'yesno': return value === true ? t('form.yes') : value === false ? t('form.no') : String(value);
    case 'date': return formatDate(value);
    case 'number': return typeof value === 'number' ? value.toLocaleString(document.documentElement.lang || 'fr') : String(value);
    case 'address': return el('span', { class: 'pre' },
      [value.street, value.complement, [value.postcode, value.city].filter(Boolean).join(' '), value.country]
        .filter((line) => !isMissing(line)).join('\n'));
    case 'group': return el('ol', { class: 'group-answers' }, value.map((item, i) => el('li', {},
      el('p', { class: 'group-answers-title', text: t('form.groupItem', { label: field.label, n: i + 1 }) }),
      el('dl', { class: 'summary-list summary-list-nested' }, (field.fields || []).map((sub) => el('div', { class: 'summary-row' },
        el('dt', { text: sub.label }),
        el('dd', {}, formatAnswer(sub, item?.[sub.id]))))))));
    default: return String(value);
  }
}
