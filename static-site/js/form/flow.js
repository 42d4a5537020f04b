// Where the citizen is in the form: the address (?service, &etape, &retour, and the draft
// id in the fragment, #brouillon=: without an account the id is the draft's key, and a
// fragment never reaches a server's logs) and the progress indicator, counted on the
// pages shown and those answers still to come may open (countedSteps), plus the check page.
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';

/** The check-your-answers step and the sent state (page ids cannot hold a hyphen). */
export const CHECK = 'verification-envoi';
/** The supporting documents step, between the last page and the check page. */
export const DOCUMENTS = 'pieces-justificatives';
export const SENT = 'demande-envoyee';

/** What the address says: service slug, draft id, step, whether to come back to the check page. */
export function readLocation() {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  return {
    service: query.get('service') || '',
    draft: fragment.get('brouillon') || '',
    step: query.get('etape') || '',
    back: query.get('retour') === 'verification',
  };
}

/** The address of a step: /demarche.html?service=…&etape=…[&retour=verification]#brouillon=…. */
export function stepUrl({ service, draft, step, back = false }) {
  const query = new URLSearchParams({ service });
  if (step) query.set('etape', step);
  if (back) query.set('retour', 'verification');
  return `/demarche.html?${query}${draft ? `#brouillon=${encodeURIComponent(draft)}` : ''}`;
}

/** The field ids a condition reads. */
function fieldsRead(condition) {
  if (!condition) return [];
  if (condition.field) return [condition.field];
  return [...(condition.all ?? []), ...(condition.any ?? []), ...(condition.not ? [condition.not] : [])].flatMap(fieldsRead);
}

const unanswered = (answer) => answer === undefined || answer === null || answer === ''
  || (Array.isArray(answer) && answer.length === 0) || (typeof answer === 'string' && answer.trim() === '');

/**
 * What the step count counts from `step` on (a page id, DOCUMENTS or CHECK): the pages
 * shown now, and those whose condition reads an answer still to come on this page or a
 * later one; before `step`, only the pages shown. So the total only shrinks as the
 * citizen answers (« Étape 1 sur 7 » then « 2 sur 6 »), it never moves away.
 * `shown` is visibility(form, answers); `documents` whether the answers call for
 * documents now. Returns { pages, documents }.
 */
export function countedSteps(form, answers, shown, step, documents) {
  const passed = step === CHECK || step === DOCUMENTS;
  const here = form.pages.findIndex((p) => p.id === step);
  const open = new Set();
  const unsettled = (condition) => fieldsRead(condition).some((f) => open.has(f) && unanswered(Object.hasOwn(answers, f) ? answers[f] : undefined));
  const pages = [];
  form.pages.forEach((page, i) => {
    const ahead = !passed && i >= here;
    if (!shown.pages.includes(page.id) && !(ahead && unsettled(page.when))) return;
    pages.push(page.id);
    if (!ahead) return;
    for (const field of page.fields) {
      if (shown.fields.includes(field.id) || unsettled(field.when)) open.add(field.id);
    }
  });
  return { pages, documents: documents || (form.documents ?? []).some((doc) => unsettled(doc.when)) };
}

/**
 * Step number and total: the pages counted, the documents step when the case needs
 * (or may need) documents, then the check page. `step` is a page id, DOCUMENTS or CHECK.
 */
export function progress(visiblePages, step, { documents = false } = {}) {
  const extra = documents ? 1 : 0;
  const total = visiblePages.length + extra + 1;
  const index = step === CHECK ? total : step === DOCUMENTS ? visiblePages.length + 1 : visiblePages.indexOf(step) + 1;
  return { index: Math.max(index, 1), total };
}

/** The h1 of a step: « Étape 2 sur 5 : » (its own line) then the step's title. */
export function stepHeading(h1, { index, total }, title) {
  h1.replaceChildren(
    el('span', { class: 'stepper-state' }, t('form.step', { index, total }), el('span', { class: 'sr-only', text: ' :' })),
    ' ', el('span', { class: 'stepper-title', text: title }));
}

/** The bar (decorative: the heading says it in words) and « Étape suivante : … ». */
export function stepper(box, { index, total }, nextTitle) {
  setChildren(box,
    el('div', { class: 'stepper-bar', 'aria-hidden': 'true' },
      Array.from({ length: total }, (_, i) => el('span', {
        class: i + 1 < index ? 'stepper-segment done' : i + 1 === index ? 'stepper-segment current' : 'stepper-segment',
      }))),
    nextTitle && el('p', { class: 'stepper-next' },
      el('span', { class: 'stepper-next-label', text: t('form.nextStep') }), ' ', nextTitle));
  box.hidden = false;
}
