// demarche.html?service=<slug>[&etape=<page>][#brouillon=<id>]: the online form, one page
// at a time, then the supporting documents (when the case needs some), the check page and
// the sent state. Conditions (visible pages and fields, documents needed) come from
// conditions.js, the same rules the server applies; each « Continuer » asks the server
// (/evaluate) for this page's errors, then saves the draft (the server computes the
// documents' checklist from the saved answers).
import { api, submissions, attachments, ApiError } from './api.js';
import { t } from './i18n/index.js';
import { el } from './text.js';
import { visibility, visibleAnswers, requiredDocuments } from './conditions.js';
import { currentAccount } from './session.js';
import {
  $, initPage, setTitle, setState, breadcrumb, showError, serviceHref, callout, failureMessage, focusOn, whileBusy,
} from './ui.js';
import { cleanAnswers, prefill, rootField } from './form/answers.js';
import { showErrors } from './form/errors.js';
import {
  CHECK, SENT, DOCUMENTS, readLocation, stepUrl, progress, countedSteps, stepHeading, stepper,
} from './form/flow.js';
import { formPage, documentsBox } from './form/page.js';
import { renderReview } from './form/review.js';
import { renderDocuments } from './form/documents.js';
import { renderConfirmation } from './form/confirmation.js';

const cityReady = initPage();
const start = readLocation();
const slug = start.service;
const RECEIPT = (id) => `gru.receipt.${id}`;

/** Everything the steps share. */
const journey = {
  city: null,
  service: null,
  form: null,
  answers: {},
  draft: null,
  me: null,
  receipt: null,
  back: start.back,
};

const content = () => $('#page-content');
const visible = () => visibility(journey.form, journey.answers);
/** The answers the server may see: those of visible fields, without blanks. */
const toSend = () => cleanAnswers(visibleAnswers(journey.form, journey.answers));
/** Whether these answers call for supporting documents (then a documents step comes before the check page). */
const needsDocuments = () => requiredDocuments(journey.form, journey.answers).length > 0;
/** The step count at `step`: see countedSteps. */
function where(step) {
  const counted = countedSteps(journey.form, journey.answers, visible(), step, needsDocuments());
  return progress(counted.pages, step, { documents: counted.documents });
}

function title(parts, { error = false } = {}) {
  const text = parts.filter(Boolean).join(' – ');
  setTitle(error ? t('errors.titlePrefix', { title: text }) : text, journey.city);
}

function url(step, back = false) {
  return stepUrl({ service: slug, draft: journey.draft?.id, step, back });
}

/** Create the draft on the first save, then save it with its version (409 if it moved on elsewhere). */
async function save(pageId) {
  if (!journey.draft) {
    journey.draft = await submissions.createDraft(slug);
    if (journey.draft.form_version !== journey.form.version) {
      journey.form = await api.form(slug, journey.draft.form_version);
    }
    history.replaceState(history.state, '', url(new URLSearchParams(location.search).get('etape') || ''));
  }
  journey.draft = await submissions.saveDraft(journey.draft.id, {
    answers: toSend(), page: pageId, version: journey.draft.version,
  });
}

/** Go to a step (a page id, CHECK or SENT); the address follows, so Back and reload work. */
function go(step, { push = true, errors = null, back = false } = {}) {
  journey.back = back;
  $('#account-hint')?.remove();
  const address = url(step, back);
  if (push) history.pushState({ step }, '', address); else history.replaceState({ step }, '', address);
  render(step, { errors, focus: true });
}

/** The page holding the first of these answer errors, with its errors shown. */
function showAnswerErrors(errors) {
  const shown = visible();
  const page = journey.form.pages.find((p) => shown.pages.includes(p.id)
    && p.fields.some((f) => errors.some((e) => rootField(e.field) === f.id)));
  if (!page) {
    showErrors(content(), [], { other: errors.map((e) => e.message) });
    return;
  }
  const ids = new Set(page.fields.map((f) => f.id));
  go(page.id, { errors: errors.filter((e) => ids.has(rootField(e.field))), back: true });
}

function renderPage(page, { errors, focus }) {
  const shown = visible();
  const pages = shown.pages;
  const documents = documentsBox();
  const h1 = $('#page-title');
  const box = $('#stepper');

  const refresh = () => {
    const now = visible();
    const position = where(page.id);
    const after = journey.form.pages.find((p) => p.id === now.pages[now.pages.indexOf(page.id) + 1]);
    // Back from the check page, « Continuer » returns there unless the answers opened a page with a required answer missing.
    const blank = after && after.fields.some((f) => f.required && now.fields.includes(f.id) && !Object.hasOwn(journey.answers, f.id));
    const next = after && (!journey.back || blank) ? after.title
      : t(needsDocuments() && !journey.back ? 'documents.title' : 'review.title');
    stepHeading(h1, position, page.title);
    stepper(box, position, next);
    view.showVisible(now.fields);
    documents.update(requiredDocuments(journey.form, journey.answers));
    title([page.title, t('form.step', position), journey.service.title], { error: Boolean(view.form.querySelector('.error-summary')) });
  };

  const previous = pages[pages.indexOf(page.id) - 1];
  const view = formPage(page, journey.answers, {
    onAnswer(id, value) {
      journey.answers[id] = value;
      refresh();
    },
    onContinue: (button) => whileBusy(button, () => continueFrom(page, view)),
    onBack: previous ? () => go(previous) : null,
  });
  content().replaceChildren(el('div', { class: 'form-columns' }, view.form, documents.box));
  if (errors?.length) showErrors(view.form, errors, { focus: false });
  refresh();
  view.refresh = refresh;
  if (errors?.length) {
    focusOn(view.form.querySelector('.error-summary'));
  } else if (focus) {
    focusOn(h1);
  }
}

async function continueFrom(page, view) {
  const formNode = view.form;
  try {
    const evaluation = await submissions.evaluate({
      service: slug, form_version: journey.form.version, answers: toSend(), page: page.id,
    });
    const here = new Set(evaluation.pages.find((p) => p.id === page.id)?.fields ?? page.fields.map((f) => f.id));
    const errors = evaluation.errors.filter((e) => here.has(rootField(e.field)));
    if (errors.length > 0) {
      showErrors(formNode, errors);
      view.refresh();
      return;
    }
    const order = evaluation.pages.map((p) => p.id);
    let next = order[order.indexOf(page.id) + 1] || CHECK;
    if (journey.back && next !== CHECK) {
      const all = await submissions.evaluate({ service: slug, form_version: journey.form.version, answers: toSend() });
      if (all.errors.length === 0) next = CHECK;
    }
    await save(next === CHECK ? order[order.length - 1] : next);
    if (next === CHECK && needsDocuments()) {
      // The documents step comes next, except when coming back to the check page with none missing.
      if (!journey.back) next = DOCUMENTS;
      else {
        const checklist = await attachments.checklist(journey.draft.id).catch(() => null);
        if (checklist?.documents.some((d) => d.missing)) next = DOCUMENTS;
      }
    }
    go(next, { back: journey.back && next !== CHECK && next !== DOCUMENTS });
  } catch (err) {
    if (err instanceof ApiError && err.errors.length > 0 && err.status === 400) {
      showErrors(formNode, err.errors);
    } else {
      showErrors(formNode, [], { other: [failureMessage(err)] });
    }
    view.refresh();
  }
}

async function renderCheck({ focus }) {
  if (!journey.draft) {
    go(visible().pages[0], { push: false });
    return;
  }
  const evaluation = await submissions.evaluate({ service: slug, form_version: journey.form.version, answers: toSend() });
  if (evaluation.errors.length > 0) {
    showAnswerErrors(evaluation.errors);
    return;
  }
  const shown = visible();
  const position = where(CHECK);
  const required = requiredDocuments(journey.form, journey.answers);
  // The files of each document; the form's list alone if the checklist cannot be read.
  const checklist = required.length > 0 ? await attachments.checklist(journey.draft.id).catch(() => null) : null;
  stepHeading($('#page-title'), position, t('review.title'));
  stepper($('#stepper'), position, null);
  renderReview(content(), {
    ...journey,
    visibility: shown,
    documents: checklist ? checklist.documents : required,
    withFiles: Boolean(checklist),
    documentsHref: url(DOCUMENTS, true),
    editDocuments: (errors = null) => go(DOCUMENTS, { errors, back: true }),
    editHref: (pageId) => url(pageId, true),
    edit: (pageId) => go(pageId, { back: true }),
    answerErrors: showAnswerErrors,
    sent,
    refreshDraft: async () => { journey.draft = await submissions.draft(journey.draft.id); },
  });
  title([t('review.title'), t('form.step', position), journey.service.title]);
  if (focus) focusOn($('#page-title'));
}

async function renderDocumentsStep({ errors, focus }) {
  const shown = visible();
  if (!journey.draft) {
    go(shown.pages[0], { push: false });
    return;
  }
  if (!needsDocuments()) {
    go(CHECK, { push: false });
    return;
  }
  let checklist;
  try {
    checklist = await attachments.checklist(journey.draft.id);
  } catch (err) {
    // No attachments function on this portal: the check page lists what to prepare.
    if (err.status === 404) {
      go(CHECK, { push: false });
      return;
    }
    throw err;
  }
  if (checklist.documents.length === 0) {
    go(CHECK, { push: false });
    return;
  }
  const position = where(DOCUMENTS);
  stepHeading($('#page-title'), position, t('documents.title'));
  stepper($('#stepper'), position, t('review.title'));
  const name = (error) => title([t('documents.title'), t('form.step', position), journey.service.title], { error });
  const step = renderDocuments(content(), {
    draftId: journey.draft.id,
    checklist,
    onContinue: () => go(CHECK),
    onBack: () => go(shown.pages[shown.pages.length - 1]),
    onErrors: name,
  });
  name(false);
  if (errors?.length) step.showMissing(errors);
  else if (focus) focusOn($('#page-title'));
}

function sent(receipt, email) {
  journey.receipt = { ...receipt, email, service: slug };
  try { sessionStorage.setItem(RECEIPT(journey.draft.id), JSON.stringify(journey.receipt)); } catch { /* private mode */ }
  go(SENT, { push: false });
}

function renderSent({ focus }) {
  $('#stepper').hidden = true;
  $('#page-title').textContent = t('sent.title');
  renderConfirmation(content(), {
    receipt: journey.receipt, email: journey.receipt.email, service: journey.service,
    signedIn: Boolean(journey.draft?.with_account || journey.me),
  });
  title([t('sent.title'), journey.service.title]);
  if (focus) focusOn($('#page-title'));
}

function render(step, { errors = null, focus = false } = {}) {
  if (journey.receipt) return renderSent({ focus });
  if (step === SENT) return render(CHECK, { focus });
  const shown = visible();
  if (step === CHECK) {
    return renderCheck({ focus }).catch((err) => {
      content().replaceChildren(callout('error', failureMessage(err)));
    });
  }
  if (step === DOCUMENTS) {
    return renderDocumentsStep({ errors, focus }).catch((err) => {
      content().replaceChildren(callout('error', failureMessage(err)));
    });
  }
  const page = journey.form.pages.find((p) => p.id === step && shown.pages.includes(p.id))
    || journey.form.pages.find((p) => p.id === shown.pages[0]);
  return renderPage(page, { errors, focus });
}

/** The draft of the address, or the receipt kept after it was sent (a reload of the sent state). */
async function loadDraft(id) {
  try {
    return { draft: await submissions.draft(id) };
  } catch (err) {
    const kept = (() => { try { return JSON.parse(sessionStorage.getItem(RECEIPT(id)) || 'null'); } catch { return null; } })();
    if (err.status === 404 && kept) return { receipt: kept };
    if (err.status === 404) throw Object.assign(new ApiError({ status: 404 }), { draftGone: true });
    throw err;
  }
}

function showDraftGone() {
  $('#page-title').textContent = t('form.draftGoneTitle');
  setTitle(t('form.draftGoneTitle'), journey.city);
  $('#page-content').replaceChildren(callout('info', t('form.draftGone'),
    el('p', { text: t('form.draftGoneHint') }),
    el('ul', { class: 'inline-links' },
      el('li', {}, el('a', { href: stepUrl({ service: slug }), text: t('form.startAgain') })),
      el('li', {}, el('a', { href: '/compte/', text: t('account.myAccount') })))));
  setState('ready');
}

try {
  if (!/^[a-z0-9-]+$/.test(slug)) throw new ApiError({ status: 404 });
  const [city, service, me, saved] = await Promise.all([
    cityReady, api.service(slug), currentAccount(), start.draft ? loadDraft(start.draft) : Promise.resolve({}),
  ]);
  if (saved.draft && saved.draft.service !== slug) {
    // A draft opened with another service's address: its own address.
    location.replace(stepUrl({ service: saved.draft.service, draft: saved.draft.id }));
    await new Promise(() => {});
  }
  Object.assign(journey, { city, service, me });
  breadcrumb([{ label: service.title, href: serviceHref(slug) }, { label: t('form.breadcrumb') }]);
  const form = await api.form(slug, saved.draft?.form_version);
  journey.form = form;
  $('#form-service').textContent = service.title;
  $('#form-service').hidden = false;
  if (saved.receipt) {
    journey.receipt = saved.receipt;
    render(SENT);
  } else {
    journey.draft = saved.draft || null;
    journey.answers = prefill(form, me, { ...(saved.draft?.answers || {}) });
    const step = start.step || saved.draft?.page || '';
    history.replaceState({ step }, '', url(step, start.back));
    if (!me && !saved.draft) {
      content().before(el('p', { class: 'form-account-hint', id: 'account-hint' }, t('form.accountHint'), ' ',
        el('a', { href: `/compte/connexion.html?retour=${encodeURIComponent(stepUrl({ service: slug }))}`, text: t('form.accountLink') }), '.'));
    }
    await render(step);
  }
  window.addEventListener('popstate', () => {
    const { step, back } = readLocation();
    journey.back = back;
    render(step, { focus: true });
  });
  setState('ready');
} catch (err) {
  if (err?.draftGone) showDraftGone();
  else {
    $('#stepper').hidden = true;
    showError(err, await cityReady, { notFound: 'form.notFound', notFoundTitle: 'form.notFoundTitle' });
  }
}
