// admin/demande.html?ref=<reference>: one request as agents handle it. Its facts, what the
// agent may do (the workflow's transitions for them, take or assign it), the thread, the
// answers, the documents with their downloads and the timeline. Every action carries the
// version read: when someone else acted first, the API answers 409, the page reads the
// request again and says so.
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, setState, formatDate, failureMessage, whileBusy, focusOn, callout } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { formatSize, scanBadge, downloadButton } from '../files.js';
import { tracking, files } from './api.js';
import { threadSection } from './thread.js';
import { adminError, initAdmin, adminTitle, status, INBOX, LAST_INBOX, phaseLabel, channelLabel, deadline } from './shell.js';

const reference = new URLSearchParams(location.search).get('ref') || '';
let me = null;
let city = null;
/** The detail as last read. */
let current = null;
let colleagues = null;
/** The thread section (its « Demander un complément » follows the status). */
let thread = null;

const row = (label, ...value) => el('div', { class: 'summary-row' }, el('dt', { text: label }), el('dd', {}, ...value));

/** A multi-line answer (an address, a group's items) as lines, never as markup. */
const lines = (text) => String(text ?? '').split('\n').flatMap((line, i) => (i === 0 ? [line] : [el('br'), line]));

const serviceTitle = (detail) => detail.service?.title || detail.service?.slug || '';
const statusLabel = (detail) => detail.status?.label || phaseLabel(detail.phase);

function facts(detail) {
  const citizen = detail.citizen || {};
  return el('section', { class: 'section request-facts', 'aria-labelledby': 'facts-title' },
    el('h2', { id: 'facts-title', class: 'sr-only', text: t('admin.request.facts') }),
    el('dl', { class: 'summary-list summary-list-key' },
      row(t('tracking.service'), serviceTitle(detail)),
      row(t('tracking.reference'), el('span', { class: 'reference-inline', text: detail.reference })),
      row(t('tracking.submittedAt'), formatDate(detail.submitted_at, { time: true })),
      row(t('admin.request.channel'), channelLabel(detail.channel)),
      detail.open311 && reportOrigin(detail.open311),
      row(t('admin.request.citizen'), [citizen.name, citizen.email].filter(Boolean).join(' – '),
        el('span', { class: 'cell-note', text: t(citizen.with_account ? 'admin.request.withAccount' : 'admin.request.withoutAccount') })),
      detail.postal_address && row(t('admin.request.postalAddress'), postalLines(detail.postal_address).join(', ')),
      row(t('tracking.status'), el('strong', { class: `phase phase-${detail.phase}`, text: statusLabel(detail) }),
        el('span', { class: 'phase-public', text: ` ${t('admin.request.publicPhase', { phase: detail.status?.citizen_label || phaseLabel(detail.phase) })}` })),
      row(t('admin.request.due'), deadline(detail.deadline)),
      row(t('admin.request.assignee'), detail.assignee?.name || el('span', { class: 'muted', text: t('admin.inbox.nobody') })),
      detail.next_step && row(t('admin.request.nextStep'), detail.next_step)));
}

/** A postal address as the lines of an envelope. */
const postalLines = (a) => [a.street, a.complement, `${a.postcode} ${a.city}`].filter(Boolean);

/**
 * « Courrier au demandeur », for a citizen without an email address: the letter about
 * where the request stands, read from the API when asked for, then printed alone.
 */
function letterSection(detail) {
  if (!detail.postal_address) return null;
  const holder = el('div', { class: 'letter-holder' });
  const prepare = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.request.letterPrepare') });
  prepare.addEventListener('click', () => whileBusy(prepare, async () => {
    try {
      const letter = await tracking.letter(reference);
      const print = el('button', { type: 'button', class: 'button', text: t('admin.request.letterPrint') });
      print.addEventListener('click', () => {
        document.body.dataset.print = 'letter';
        window.print();
        delete document.body.dataset.print;
      });
      holder.replaceChildren(
        el('article', { class: 'letter', 'aria-label': letter.subject },
          el('address', { class: 'letter-sender' }, letter.sender.map((line) => el('span', { text: line }))),
          el('address', { class: 'letter-recipient' }, letter.recipient.map((line) => el('span', { text: line }))),
          el('p', { class: 'letter-date', text: letter.place_and_date }),
          el('p', { class: 'letter-subject' }, el('strong', { text: letter.subject })),
          letter.body.map((paragraph) => el('p', { class: 'letter-paragraph', text: paragraph }))),
        el('div', { class: 'form-actions' }, print));
      focusOn(print);
    } catch (err) {
      holder.replaceChildren(callout('error', failureMessage(err)));
    }
  }));
  return el('section', { class: 'section letter-section', 'aria-labelledby': 'letter-title' },
    el('h2', { id: 'letter-title', text: t('admin.request.letter') }),
    el('p', { text: t('admin.request.letterIntro') }),
    el('div', { class: 'form-actions' }, prepare),
    holder);
}

/**
 * Where and with what an Open311 app's report was sent: the application, the
 * location as sent (coordinates open a map) and the media's address, a link the
 * portal never fetches (followed without referrer).
 */
function reportOrigin(origin) {
  const external = (href, text) => el('a', { href, text, rel: 'noopener noreferrer external' });
  const place = [origin.address, origin.address_id && t('admin.request.open311.addressId', { id: origin.address_id })].filter(Boolean).join(' – ');
  const position = origin.lat != null && origin.long != null
    ? external(`https://www.openstreetmap.org/?mlat=${origin.lat}&mlon=${origin.long}#map=18/${origin.lat}/${origin.long}`, `${origin.lat}, ${origin.long}`)
    : null;
  const safeMedia = /^https?:\/\//.test(origin.media_url || '');
  return [
    row(t('admin.request.open311.application'), origin.application_name),
    (place || position) && row(t('admin.request.open311.location'), ...[place, place && position ? ' – ' : '', position].filter(Boolean)),
    safeMedia && row(t('admin.request.open311.media'), external(origin.media_url, origin.media_url)),
  ].filter(Boolean);
}

/** Say a 409 clearly, after reading the request again: nothing the agent did is lost silently. */
async function conflict(err) {
  await reload();
  const box = status(t('admin.request.conflict'), { error: true });
  box.append(el('p', { text: t('admin.request.conflictHint') }));
  focusOn(box);
}

async function act(form, send, done) {
  clearErrors(form);
  try {
    const answer = await send();
    await done(answer);
  } catch (err) {
    if (err.status === 409) {
      await conflict(err);
      return;
    }
    if (err.status === 401) {
      location.reload();
      return;
    }
    const errors = err.errors || [];
    showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
  }
}

/**
 * The confirmation a decision against the citizen (refusal, closure) asks for: what it
 * does, the reason the citizen will read (required), « Confirmer » and « Annuler ».
 * One panel, filled for the decision chosen. Returns { panel, open(tr, opener) }.
 */
function decisionPanel() {
  const title = el('h4', { id: 'decision-title', class: 'callout-title', tabindex: '-1' });
  const effect = el('p');
  const confirm = el('button', { type: 'submit', class: 'button button-warning-solid', name: 'to' });
  const cancel = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.request.decisionCancel') });
  const panel = el('div', { class: 'decision callout callout-warning', id: 'decision', hidden: true, role: 'group', 'aria-labelledby': 'decision-title' },
    title, effect,
    el('div', { class: 'field', 'data-path': 'reason' },
      el('label', { class: 'label', for: 'decision-reason' }, t('admin.request.reason'), ' ', el('span', { class: 'required-mark', text: t('form.required') })),
      el('p', { class: 'hint', id: 'decision-reason-hint', text: t('admin.request.reasonHint') }),
      el('textarea', { class: 'input textarea textarea-short', id: 'decision-reason', name: 'reason', maxlength: '2000', required: true, 'aria-describedby': 'decision-reason-hint' })),
    el('div', { class: 'form-actions' }, confirm, cancel));
  let openedBy = null;
  const expand = (opener) => {
    for (const button of document.querySelectorAll('[aria-controls="decision"]')) button.setAttribute('aria-expanded', String(button === opener));
  };
  cancel.addEventListener('click', () => {
    panel.hidden = true;
    expand(null);
    openedBy?.focus();
  });
  return {
    panel,
    open(tr, opener) {
      openedBy = opener;
      title.textContent = t('admin.request.decisionTitle', { label: tr.label });
      effect.textContent = t(tr.emails_citizen ? 'admin.request.decisionEmailed' : 'admin.request.decisionShown');
      confirm.value = tr.to;
      confirm.textContent = t('admin.request.decisionConfirm', { label: tr.label });
      panel.hidden = false;
      expand(opener);
      focusOn(title);
    },
  };
}

function transitionsForm(detail) {
  const transitions = detail.transitions || [];
  const decisions = transitions.filter((tr) => tr.asks_reason);
  const decision = decisionPanel();
  const form = el('form', { id: 'transition-form', class: 'action-form', novalidate: true, 'aria-labelledby': 'transition-title' },
    el('h3', { id: 'transition-title', text: t('admin.request.transition') }));
  if (transitions.length === 0) {
    form.append(el('p', { text: t('admin.request.noTransition') }));
    return form;
  }
  form.append(
    el('div', { class: 'field', 'data-path': 'comment' },
      el('label', { class: 'label', for: 'transition-comment' }, t('admin.request.comment'), ' ',
        el('span', { class: 'optional-mark', text: t('form.optional') })),
      el('p', { class: 'hint', id: 'transition-comment-hint', text: t('admin.request.commentHint') }),
      el('textarea', { class: 'input textarea textarea-short', id: 'transition-comment', name: 'comment', maxlength: '2000', 'aria-describedby': 'transition-comment-hint' })),
    el('div', { class: 'form-actions transition-buttons' },
      transitions.filter((tr) => !tr.asks_reason).map((tr) => el('button', {
        type: 'submit', class: 'button', name: 'to', value: tr.to, text: tr.label,
      })),
      decisions.map((tr) => {
        const open = el('button', { type: 'button', class: 'button button-warning', 'aria-expanded': 'false', 'aria-controls': 'decision', text: tr.label });
        open.addEventListener('click', () => decision.open(tr, open));
        return open;
      })),
    decision.panel);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = event.submitter;
    if (!button?.value) return;
    const decided = decisions.some((tr) => tr.to === button.value);
    const reason = decided ? form.elements.reason.value.trim() : undefined;
    if (decided && !reason) {
      showErrors(form, [{ field: 'reason', message: t('admin.request.reasonMissing') }]);
      return;
    }
    whileBusy(button, () => act(form,
      () => tracking.transition(reference, { to: button.value, version: current.version, comment: form.elements.comment.value.trim() || undefined, reason }),
      async (answer) => {
        render(answer);
        thread?.load().catch(() => {});
        status(t('admin.request.moved', { status: statusLabel(current) }));
        focusOn($('#actions-title'));
      }));
  });
  return form;
}

function assignForm(detail) {
  const rights = detail.assignment || {};
  const mine = detail.assignee?.id === me.id;
  const form = el('form', { id: 'assign-form', class: 'action-form', novalidate: true, 'aria-labelledby': 'assign-title' },
    el('h3', { id: 'assign-title', text: t('admin.request.assignTitle') }),
    el('p', { text: detail.assignee ? (mine ? t('admin.request.assignedToYou') : t('admin.request.assignedTo', { name: detail.assignee.name })) : t('admin.request.unassigned') }));
  const actions = el('div', { class: 'form-actions' });
  if (rights.take) {
    const take = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.request.take') });
    take.addEventListener('click', () => whileBusy(take, () => assign(form, me.id, t('admin.request.taken'))));
    actions.append(take);
  }
  if (rights.release && (mine || !rights.assign)) {
    const release = el('button', { type: 'button', class: 'button button-secondary', text: t('admin.request.release') });
    release.addEventListener('click', () => whileBusy(release, () => assign(form, null, t('admin.request.unassignedNow'))));
    actions.append(release);
  }
  if (actions.childElementCount > 0) form.append(actions);
  if (rights.assign && colleagues?.length > 0) {
    const select = el('select', { class: 'input', id: 'assign-agent', name: 'agent' },
      el('option', { value: '', text: t('admin.request.nobody') }),
      colleagues.map((c) => el('option', { value: c.id, selected: c.id === detail.assignee?.id ? true : null, text: c.name })));
    const submit = el('button', { type: 'submit', class: 'button button-secondary', text: t('admin.request.assign') });
    form.append(
      el('div', { class: 'field', 'data-path': 'agent' },
        el('label', { class: 'label', for: 'assign-agent', text: t('admin.request.assignTo') }), select),
      el('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = colleagues.find((c) => c.id === select.value);
      whileBusy(submit, () => assign(form, select.value || null,
        chosen ? t('admin.request.assignedNow', { name: chosen.name }) : t('admin.request.unassignedNow')));
    });
  } else {
    form.addEventListener('submit', (event) => event.preventDefault());
  }
  return form;
}

function assign(form, agent, message) {
  return act(form, () => tracking.assign(reference, { agent, version: current.version }), async (answer) => {
    render(answer);
    status(message);
    focusOn($('#actions-title'));
  });
}

function answers(detail) {
  const pages = detail.summary || [];
  if (pages.length === 0) return null;
  return el('section', { class: 'section', 'aria-labelledby': 'answers-title' },
    el('h2', { id: 'answers-title', text: t('admin.request.answers') }),
    pages.map((page) => el('section', { class: 'summary-page' },
      el('h3', { text: page.title }),
      el('dl', { class: 'summary-list' }, (page.answers || []).map((answer) => row(answer.label, lines(answer.value)))))));
}

function fileItem(file) {
  const item = el('li', { class: `file-item file-${file.scan}` },
    el('p', { class: 'file-name' }, el('span', { class: 'file-title', text: file.name }), ' ',
      el('span', { class: 'file-size', text: `(${formatSize(file.size)})` })),
    file.scan && el('p', { class: 'file-scan' }, scanBadge(file)));
  if (file.downloadable === false) {
    item.append(el('p', { class: 'hint', text: t('tracking.notDownloadable') }));
    return item;
  }
  item.append(...downloadButton(file, () => files.download(reference, file.id)));
  return item;
}

function documents(detail) {
  const docs = detail.documents || [];
  if (docs.length === 0) return null;
  return el('section', { class: 'section', 'aria-labelledby': 'documents-title' },
    el('h2', { id: 'documents-title', text: t('documents.title') }),
    el('ul', { class: 'documents' }, docs.map((doc) => el('li', {},
      el('h3', { text: doc.title }),
      (doc.files || []).length === 0
        ? el('p', { class: 'muted', text: t('review.noFile') })
        : el('ul', { class: 'file-list' }, doc.files.map(fileItem))))));
}

const KIND_LABELS = { submitted: 'admin.history.submitted', recorded: 'admin.history.recorded' };

function historyEntry(entry) {
  let label;
  if (entry.kind === 'assigned') label = entry.assignee ? t('admin.history.assignedTo', { name: entry.assignee.name }) : t('admin.history.released');
  else if (entry.kind === 'submitted' || entry.kind === 'recorded') label = t(KIND_LABELS[entry.kind]);
  else label = entry.status?.label || phaseLabel(entry.phase);
  return el('li', {},
    el('p', { class: 'timeline-head' },
      el('time', { datetime: entry.at, text: formatDate(entry.at, { time: true }) }), ' – ',
      el('strong', { text: label })),
    (entry.by_name || entry.channel) && el('p', { class: 'timeline-meta' },
      [entry.by_name && t('admin.history.by', { name: entry.by_name }),
        entry.channel && entry.channel !== 'online' && t('admin.history.channel', { channel: channelLabel(entry.channel) })].filter(Boolean).join(' – ')),
    entry.reason && el('p', { class: 'timeline-reason' },
      el('span', { class: 'timeline-comment-label', text: t('admin.history.reason') }), ' ', entry.reason),
    entry.comment && el('p', { class: 'timeline-comment' },
      el('span', { class: 'timeline-comment-label', text: t('admin.history.comment') }), ' ', entry.comment));
}

function history(detail) {
  const entries = detail.history || [];
  if (entries.length === 0) return null;
  return el('section', { class: 'section', 'aria-labelledby': 'history-title' },
    el('h2', { id: 'history-title', text: t('tracking.history') }),
    el('ol', { class: 'timeline' }, entries.map(historyEntry)));
}

/** Show the detail (facts, actions, answers, documents, timeline); the thread keeps its own state. */
function render(detail) {
  current = detail;
  setChildren($('#request-facts'), facts(detail));
  setChildren($('#request-actions'),
    el('h2', { id: 'actions-title', text: t('admin.request.actions') }),
    transitionsForm(detail), assignForm(detail));
  setChildren($('#request-details'), letterSection(detail), answers(detail), documents(detail), history(detail));
}

async function reload() {
  render(await tracking.request(reference));
  await thread?.load().catch(() => {});
}

try {
  const session = await initAdmin();
  if (session) {
    ({ city, me } = session);
    if (!reference) throw Object.assign(new Error('no reference'), { status: 404 });
    const detail = await tracking.request(reference);
    if (detail.assignment?.assign) {
      colleagues = await tracking.colleagues(detail.service.slug).then((answer) => answer.agents || [], () => []);
    }
    let back = INBOX;
    try { back = sessionStorage.getItem(LAST_INBOX) || INBOX; } catch { /* private mode */ }
    const nav = $('#breadcrumb');
    nav.replaceChildren(el('ol', {},
      el('li', {}, el('a', { href: back, text: t('admin.inbox') })),
      el('li', {}, el('span', { 'aria-current': 'page', text: t('tracking.title', { reference: detail.reference }) }))));
    nav.hidden = false;
    const [before, after] = t('tracking.title', { reference: '\u0000' }).split('\u0000');
    setChildren($('#page-title'), before, el('span', { class: 'reference-inline', text: detail.reference }), after);
    adminTitle(t('tracking.title', { reference: detail.reference }), city);
    thread = threadSection(detail.reference, { request: () => current, onChanged: reload, onConflict: conflict });
    $('#page-content').replaceChildren(
      el('p', { class: 'form-service request-service', text: serviceTitle(detail) }),
      el('div', { class: 'request-layout' },
        el('div', { id: 'request-facts', class: 'request-facts-box' }),
        el('section', { id: 'request-actions', class: 'request-actions', 'aria-labelledby': 'actions-title' }),
        el('div', { class: 'request-main' }, thread.section, el('div', { id: 'request-details' }))));
    render(detail);
    await thread.load().catch((err) => {
      thread.section.querySelector('.thread-list').replaceChildren(callout('error', failureMessage(err)));
    });
    setState('ready');
  }
} catch (err) {
  if (err.status === 404) {
    adminError(err, err.city || city, { notFound: 'admin.request.notFound', notFoundTitle: 'admin.request.notFoundTitle' });
  } else {
    adminError(err, err.city || city);
  }
}
