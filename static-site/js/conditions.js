// The condition language of forms and form visibility, as the browser runs
// them (docs/forms.md). The authority is shared/domain/src/condition.rs and
// shared/domain/src/form.rs; both run the vectors of
// shared/domain/tests/vectors/, so any change here goes there too.
// Pure functions, no DOM: tests/browser/conditions.test.mjs runs them in Node.

import { hasVisible, trimInvisible } from './visible.js';

/**
 * A condition as the API serves it: `{field, equals}`, `{field, not_equals}`,
 * `{field, in: [...]}`, `{field, contains}`, `{field, filled}`,
 * `{field, gt|gte|lt|lte}`, `{all: [...]}`, `{any: [...]}` or `{not: condition}`.
 * @typedef {Record<string, any>} Condition
 */

/**
 * Answers keyed by field id.
 * @typedef {Record<string, any>} Answers
 */

/**
 * A form as the API serves it (only what visibility reads is described).
 * @typedef {{pages: {id: string, when?: Condition, fields: {id: string, when?: Condition}[]}[],
 *            documents?: {id: string, title: string, description: string, when?: Condition}[]}} Form
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The answer of `field`, own keys only (a field may be called `constructor`). */
function answerOf(answers, field) {
  return Object.hasOwn(answers, field) ? answers[field] : undefined;
}

/** Absent, null, a string with nothing visible (visible.js) or an empty array. */
function isMissing(answer) {
  return answer === undefined || answer === null
    || (typeof answer === 'string' && !hasVisible(answer))
    || (Array.isArray(answer) && answer.length === 0);
}

/** Same JSON type and value; numbers by value (1 equals 1.0 in JSON already). */
function same(answer, value) {
  const scalar = ['string', 'number', 'boolean'];
  return typeof answer === typeof value && scalar.includes(typeof answer) && answer === value;
}

/** A real calendar day written exactly YYYY-MM-DD, or null. */
function parseDate(text) {
  const match = typeof text === 'string' ? DATE.exec(text) : null;
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days ? text : null;
}

/** -1, 0 or 1; null when the two do not compare (numbers with numbers, dates with dates). */
function compare(answer, value) {
  if (typeof answer === 'number' && typeof value === 'number') return Math.sign(answer - value);
  const [a, b] = [parseDate(answer), parseDate(value)];
  // Valid YYYY-MM-DD strings sort as their dates.
  if (a !== null && b !== null) return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

const COMPARISONS = {
  gt: (order) => order > 0,
  gte: (order) => order >= 0,
  lt: (order) => order < 0,
  lte: (order) => order <= 0,
};

/**
 * Whether `condition` holds on `answers`. The answers of hidden fields must
 * be left out first (a hidden field counts as missing): see visibility().
 * @param {Condition} condition
 * @param {Answers} answers
 * @returns {boolean}
 */
export function holds(condition, answers) {
  if ('all' in condition) return condition.all.every((c) => holds(c, answers));
  if ('any' in condition) return condition.any.some((c) => holds(c, answers));
  if ('not' in condition) return !holds(condition.not, answers);
  const answer = answerOf(answers, condition.field);
  const equals = (value) => !isMissing(answer) && same(answer, value);
  if ('equals' in condition) return equals(condition.equals);
  if ('not_equals' in condition) return !equals(condition.not_equals);
  if ('in' in condition) return condition.in.some(equals);
  if ('contains' in condition) {
    return Array.isArray(answer) && answer.some((item) => same(item, condition.contains));
  }
  if ('filled' in condition) return isMissing(answer) !== condition.filled;
  for (const [op, accepts] of Object.entries(COMPARISONS)) {
    if (op in condition) {
      const order = compare(answer, condition[op]);
      return order !== null && accepts(order);
    }
  }
  // The server refuses such a form; reaching this is a bug worth seeing.
  throw new TypeError(`not a condition: ${JSON.stringify(condition)}`);
}

/** Every string, however deep, trimmed of what shows nothing, as the server trims it. */
function trimmed(value) {
  if (typeof value === 'string') return trimInvisible(value);
  if (Array.isArray(value)) return value.map(trimmed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]));
  }
  return value;
}

/**
 * Walks the form in order: a page shows when its condition holds on the
 * answers of the fields shown so far, a field when its page shows and its
 * condition holds on them; a hidden field's answer is left out before any
 * later condition. Strings are trimmed first, as the server stores them.
 * @returns {{pages: string[], fields: string[], answers: Answers}}
 */
function walk(form, answers) {
  const given = Object.create(null);
  for (const [id, answer] of Object.entries(answers)) given[id] = trimmed(answer);
  const seen = Object.create(null);
  const pages = [];
  const fields = [];
  for (const page of form.pages) {
    if (page.when && !holds(page.when, seen)) continue;
    pages.push(page.id);
    for (const field of page.fields) {
      if (field.when && !holds(field.when, seen)) continue;
      fields.push(field.id);
      if (Object.hasOwn(given, field.id)) seen[field.id] = given[field.id];
    }
  }
  return { pages, fields, answers: seen };
}

/**
 * The visible pages and fields (top-level field ids), in the form's order.
 * @param {Form} form
 * @param {Answers} answers
 * @returns {{pages: string[], fields: string[]}}
 */
export function visibility(form, answers) {
  const { pages, fields } = walk(form, answers);
  return { pages, fields };
}

/**
 * The answers without those of hidden or unknown fields, values as given
 * (the server trims them on saving).
 * @param {Form} form
 * @param {Answers} answers
 * @returns {Answers}
 */
export function visibleAnswers(form, answers) {
  const { fields } = walk(form, answers);
  return Object.fromEntries(fields.filter((id) => Object.hasOwn(answers, id)).map((id) => [id, answers[id]]));
}

/**
 * The supporting documents these answers require, in the form's order.
 * @param {Form} form
 * @param {Answers} answers
 * @returns {object[]} the form's document objects
 */
export function requiredDocuments(form, answers) {
  const seen = walk(form, answers).answers;
  return (form.documents ?? []).filter((doc) => !doc.when || holds(doc.when, seen));
}
