// One renderer per field type of docs/forms.md. Each takes the field, its path (the
// API's error path: `record_kind`, `children[0].name`, `address.postcode`), its current
// answer and onChange(answer), and returns the field's wrapper: an element carrying
// data-path (errors find it) and data-label (the error summary names it).
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { focusOn } from '../ui.js';

/** The DOM id of the control at `path`: `children[0].name` → `f-children-0-name`. */
export const idFor = (path) => `f-${path.replace(/\[(\d+)\]/g, '-$1').replace(/\./g, '-')}`;

const AUTOCOMPLETE = { name: 'name', email: 'email', phone: 'tel' };
const ADDRESS_PARTS = [
  { part: 'street', label: 'form.address.street', required: true, autocomplete: 'address-line1' },
  { part: 'complement', label: 'form.address.complement', required: false, autocomplete: 'address-line2' },
  { part: 'postcode', label: 'form.address.postcode', required: true, autocomplete: 'postal-code', short: true },
  { part: 'city', label: 'form.address.city', required: true, autocomplete: 'address-level2' },
];
const GROUP_MAX_ITEMS = 10;

/** « Label (obligatoire) »: required in words, not by colour or an asterisk alone. */
function labelText(label, required) {
  return [label, required && ' ', required && el('span', { class: 'required-mark', text: t('form.required') })];
}

function hint(id, text) {
  return text ? el('p', { class: 'hint', id, text }) : null;
}

/** A label, hint and one control (input or textarea). */
function single(field, path, control, { required = field.required, extraHint } = {}) {
  const id = idFor(path);
  control.id = id;
  control.name = id;
  const hintId = `${id}-hint`;
  const help = [field.help, extraHint].filter(Boolean).join(' ');
  if (help) control.setAttribute('aria-describedby', hintId);
  if (required) control.required = true;
  return el('div', { class: 'field', 'data-path': path, 'data-label': field.summaryLabel || field.label, 'data-error-id': id },
    el('label', { class: 'label', for: id }, labelText(field.label, required)),
    hint(hintId, help),
    control);
}

/** A fieldset with legend and hint, for controls that belong together. */
function fieldset(field, path, className, ...content) {
  const id = idFor(path);
  const hintId = `${id}-hint`;
  return el('fieldset', {
    class: `field ${className}`, 'data-path': path, 'data-label': field.summaryLabel || field.label, 'data-error-id': id,
    'aria-describedby': field.help ? hintId : null,
  },
  el('legend', { class: 'legend' }, labelText(field.label, field.required)),
  hint(hintId, field.help),
  ...content);
}

function textInput(field, path, value, onChange, type = 'text', attrs = {}) {
  const input = el('input', {
    type, class: 'input', spellcheck: type === 'email' ? 'false' : null,
    autocomplete: AUTOCOMPLETE[field.prefill] || null, ...attrs,
  });
  input.value = value ?? '';
  input.addEventListener('input', () => onChange(input.value));
  return input;
}

const text = (field, path, value, onChange) => single(field, path, textInput(field, path, value, onChange));
const email = (field, path, value, onChange) => single(field, path, textInput(field, path, value, onChange, 'email'));
const phone = (field, path, value, onChange) => single(field, path, textInput(field, path, value, onChange, 'tel'));

function textarea(field, path, value, onChange) {
  const area = el('textarea', { class: 'input textarea', rows: 5 });
  area.value = value ?? '';
  area.addEventListener('input', () => onChange(area.value));
  return single(field, path, area);
}

/** Numbers typed as text (a comma is a decimal separator); sent as JSON numbers when they parse. */
export function parseNumber(raw) {
  const cleaned = String(raw).trim().replace(/\s/g, '').replace(',', '.');
  if (cleaned === '') return '';
  const n = Number(cleaned);
  return /^[-+]?\d+(\.\d+)?$/.test(cleaned) && Number.isFinite(n) ? n : String(raw);
}

function number(field, path, value, onChange) {
  const input = textInput(field, path, value === undefined || value === null ? '' : String(value).replace('.', ','),
    (raw) => onChange(parseNumber(raw)), 'text', { inputmode: field.integer ? 'numeric' : 'decimal', class: 'input input-short' });
  return single(field, path, input);
}

/**
 * A date the citizen knows by heart (`date = "past"`: a birth, a death, a marriage):
 * day, month and year typed in three boxes, as on paper, rather than picked in a calendar.
 * The answer is YYYY-MM-DD once the three are given; a partial one reaches the server as
 * it is, which says what is wrong.
 */
function memorableDate(field, path, value, onChange) {
  const id = idFor(path);
  const [year, month, day] = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '')?.slice(1) ?? ['', '', ''];
  const boxes = [['day', 'form.date.day', 2, day], ['month', 'form.date.month', 2, month], ['year', 'form.date.year', 4, year]]
    .map(([part, label, size, current]) => {
      const inputId = part === 'day' ? id : `${id}-${part}`;
      const input = el('input', {
        type: 'text', inputmode: 'numeric', class: `input input-date-part input-date-${part}`, id: inputId, name: inputId,
        maxlength: String(size), spellcheck: 'false',
      });
      input.value = current;
      return { part, input, box: el('div', { class: 'date-part' }, el('label', { class: 'label date-part-label', for: inputId, text: t(label) }), input) };
    });
  const read = () => Object.fromEntries(boxes.map(({ part, input }) => [part, input.value.trim()]));
  const update = () => {
    const { day: d, month: m, year: y } = read();
    const pad = (text) => (/^\d$/.test(text) ? `0${text}` : text);
    onChange(d || m || y ? `${y}-${pad(m)}-${pad(d)}` : '');
  };
  for (const { input } of boxes) input.addEventListener('input', update);
  const wrapper = fieldset({ ...field, help: [field.help, t('form.date.example')].filter(Boolean).join(' ') }, path, 'field-date',
    el('div', { class: 'date-parts' }, boxes.map(({ box }) => box)));
  if (field.required) for (const { input } of boxes) input.required = true;
  return wrapper;
}

function date(field, path, value, onChange) {
  if (field.date === 'past') return memorableDate(field, path, value, onChange);
  const bound = (b) => (typeof b === 'string' ? b : null);
  const input = el('input', { type: 'date', class: 'input input-date', min: bound(field.min), max: bound(field.max) });
  input.value = value ?? '';
  input.addEventListener('input', () => onChange(input.value));
  input.addEventListener('change', () => onChange(input.value));
  return single(field, path, input, { extraHint: t('form.dateHint') });
}

/** Radio buttons (choice, yesno): the first radio carries the field's id, so error links reach it. */
function radios(field, path, options, value, onChange, inline = false) {
  const id = idFor(path);
  const list = el('div', { class: inline ? 'choices choices-inline' : 'choices' },
    options.map((option, i) => {
      const radioId = i === 0 ? id : `${id}-${i}`;
      const input = el('input', { type: 'radio', class: 'choice-input', id: radioId, name: id, value: String(option.value) });
      input.checked = value !== undefined && value !== null && option.value === value;
      input.required = Boolean(field.required);
      input.addEventListener('change', () => { if (input.checked) onChange(option.value); });
      return el('div', { class: 'choice' }, input, el('label', { class: 'choice-label', for: radioId, text: option.label }));
    }));
  return fieldset(field, path, 'field-choice', list);
}

const choice = (field, path, value, onChange) => radios(field, path, field.options || [], value, onChange);
const yesno = (field, path, value, onChange) => radios(field, path,
  [{ value: true, label: t('form.yes') }, { value: false, label: t('form.no') }], value, onChange, true);

/** Checkboxes: checkbox i is `f-<path>-<i>` (the first is `f-<path>`), like the API's `path[i]`. */
function choices(field, path, value, onChange) {
  const id = idFor(path);
  const chosen = new Set(Array.isArray(value) ? value : []);
  const options = field.options || [];
  const list = el('div', { class: 'choices' }, options.map((option, i) => {
    const boxId = i === 0 ? id : `${id}-${i}`;
    const input = el('input', { type: 'checkbox', class: 'choice-input', id: boxId, name: id, value: option.value });
    input.checked = chosen.has(option.value);
    input.addEventListener('change', () => {
      if (input.checked) chosen.add(option.value); else chosen.delete(option.value);
      onChange(options.map((o) => o.value).filter((v) => chosen.has(v)));
    });
    return el('div', { class: 'choice choice-checkbox' }, input,
      el('label', { class: 'choice-label', for: boxId, text: option.label }));
  }));
  return fieldset(field, path, 'field-choices', list);
}

/** A postal address: street, complement, postcode, city; all blank is no answer. */
function address(field, path, value, onChange) {
  const current = { ...(value && typeof value === 'object' ? value : {}) };
  const emit = () => {
    const filled = Object.fromEntries(Object.entries(current).filter(([, v]) => String(v ?? '').trim() !== ''));
    onChange(Object.keys(filled).length > 0 ? filled : null);
  };
  const parts = ADDRESS_PARTS.map((spec) => {
    const input = el('input', {
      type: 'text', class: spec.short ? 'input input-short' : 'input',
      autocomplete: field.prefill === 'address' ? spec.autocomplete : null,
      inputmode: spec.part === 'postcode' ? 'numeric' : null,
    });
    input.value = current[spec.part] ?? '';
    input.addEventListener('input', () => { current[spec.part] = input.value; emit(); });
    const label = t(spec.label);
    const summaryLabel = t('form.partOf', { label: field.summaryLabel || field.label, part: label });
    return single({ label, help: '', summaryLabel }, `${path}.${spec.part}`, input, { required: field.required && spec.required });
  });
  return fieldset(field, path, 'field-address', el('div', { class: 'address-parts' }, parts));
}

/** A repeatable set of questions: one fieldset per item, « Ajouter » and « Retirer » buttons. */
function group(field, path, value, onChange, render) {
  const min = field.min_items ?? 0;
  const max = field.max_items ?? GROUP_MAX_ITEMS;
  const items = Array.isArray(value) ? value.map((item) => ({ ...item })) : [];
  while (items.length < Math.max(min, field.required ? 1 : 0)) items.push({});
  const list = el('div', { class: 'group-items' });
  const status = el('p', { class: 'sr-only', role: 'status' });
  const add = el('button', { type: 'button', class: 'button button-secondary group-add' },
    t('form.groupAdd'), el('span', { class: 'sr-only', text: ` ${t('form.groupAddContext', { label: field.label })}` }));

  const emit = () => onChange(items.map((item) => ({ ...item })));
  function draw() {
    list.replaceChildren(...items.map((item, i) => {
      const n = i + 1;
      const itemPath = `${path}[${i}]`;
      const legend = t('form.groupItem', { label: field.label, n });
      return el('fieldset', { class: 'group-item', 'data-path': itemPath, 'data-label': legend },
        el('legend', { class: 'legend legend-item', text: legend }),
        (field.fields || []).map((sub) => render({ ...sub, summaryLabel: t('form.partOf', { label: legend, part: sub.label }) },
          `${itemPath}.${sub.id}`, item[sub.id], (answer) => {
          item[sub.id] = answer;
          emit();
        })),
        items.length > min && el('button', {
          type: 'button', class: 'button button-secondary button-small group-remove',
          onclick: () => {
            items.splice(i, 1);
            emit();
            draw();
            status.textContent = t('form.groupRemoved', { label: legend });
            const next = list.children[Math.min(i, items.length - 1)];
            focusOn(next?.querySelector('input, textarea, select') || add);
          },
        }, t('form.groupRemove'), el('span', { class: 'sr-only', text: ` ${legend}` })));
    }));
    add.hidden = items.length >= max;
  }
  add.addEventListener('click', () => {
    if (items.length >= max) return;
    items.push({});
    emit();
    draw();
    const created = list.lastElementChild;
    status.textContent = t('form.groupAdded', { label: t('form.groupItem', { label: field.label, n: items.length }) });
    focusOn(created?.querySelector('input, textarea, select'));
  });
  draw();
  return fieldset(field, path, 'field-group', list, add, status);
}

const RENDERERS = { text, textarea, number, date, email, phone, choice, choices, yesno, address, group };

/**
 * Render `field` at `path` with its answer; onChange(answer) on every change.
 * Unknown types fall back to a text input, so a newer form never breaks the page.
 */
export function renderField(field, path, value, onChange) {
  const renderer = RENDERERS[field.type] || text;
  return renderer(field, path, value, onChange, renderField);
}
