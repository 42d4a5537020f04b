// suivi.html#<token>: a request as its citizen follows it, from the personal tracking link.
// The token stays in the fragment (never sent in a URL) and travels in a POST body.
// suivi.html?reference=<ABCD-2345>: the same for a signed-in citizen, from the dashboard.
// The supporting documents list their files; « Télécharger » asks a short-lived download
// grant (with the token, or signed in by reference) and opens it.
import { submissions, attachments, messaging } from './api.js';
import { t } from './i18n/index.js';
import { el, renderText, setChildren } from './text.js';
import { $, initPage, setTitle, setState, callout, failureMessage, formatDate, serviceHref, fragment } from './ui.js';
import { formatSize, scanBadge, downloadButton } from './files.js';
import { citizenThread } from './thread.js';

const cityReady = initPage();
const token = fragment();
const reference = new URLSearchParams(location.search).get('reference');

const STEP_STATE = { done: 'tracking.stepDone', current: 'tracking.stepCurrent', upcoming: 'tracking.stepUpcoming', skipped: 'tracking.stepSkipped' };

function row(label, ...value) {
  return el('div', { class: 'summary-row' }, el('dt', { text: label }), el('dd', {}, ...value));
}

/** A multi-line answer (an address, a group's items) as lines, never as markup. */
function renderLines(text) {
  return text.split('\n').flatMap((line, i) => (i === 0 ? [line] : [el('br'), line]));
}

/** One file: name, size, scan status, and « Télécharger » when it may be downloaded. */
function fileItem(request, file) {
  const item = el('li', { class: `file-item file-${file.scan}` },
    el('p', { class: 'file-name' }, el('span', { class: 'file-title', text: file.name }), ' ',
      el('span', { class: 'file-size', text: `(${formatSize(file.size)})` })),
    el('p', { class: 'file-scan' }, scanBadge(file)));
  if (file.downloadable) {
    item.append(...downloadButton(file,
      () => attachments.requestDownload(token ? { token } : { reference: request.reference }, file.id),
      { describe: (err) => (err.kind === 'not-downloadable' ? (err.detail || t('tracking.notDownloadable')) : failureMessage(err)) }));
  } else {
    item.append(el('p', { class: 'hint', text: t('tracking.notDownloadable') }));
  }
  return item;
}

function render(request) {
  const service = request.service || {};
  const steps = request.steps || [];
  const documents = request.documents || [];
  setChildren($('#page-content'),
    el('dl', { class: 'summary-list summary-list-key' },
      row(t('tracking.service'), service.slug ? el('a', { href: serviceHref(service.slug), text: service.title || service.slug }) : service.title),
      row(t('tracking.reference'), el('span', { class: 'reference-inline', text: request.reference })),
      row(t('tracking.submittedAt'), formatDate(request.submitted_at, { time: true })),
      row(t('tracking.status'), el('strong', { class: `phase phase-${request.phase}`, text: request.status_label || request.phase_label || request.phase })),
      request.next_step && row(t('tracking.nextStep'), request.next_step),
      request.channel && request.channel !== 'online' && row(t('tracking.channel'), t(`channel.${request.channel}`))),
    steps.length > 0 && el('section', { class: 'section', 'aria-labelledby': 'tracking-steps' },
      el('h2', { id: 'tracking-steps', text: t('tracking.steps') }),
      el('ol', { class: 'steps steps-tracked' }, steps.map((step) => el('li', { class: `step-${step.state}`, 'aria-current': step.state === 'current' ? 'step' : null },
        el('h3', {}, step.title, ' ', el('span', { class: 'step-state', text: t(STEP_STATE[step.state] || 'tracking.stepUpcoming') })),
        step.description && renderText(step.description))))),
    (request.summary || []).length > 0 && el('section', { class: 'section', 'aria-labelledby': 'tracking-answers' },
      el('h2', { id: 'tracking-answers', text: t('tracking.answers') }),
      request.summary.map((page) => el('section', { class: 'summary-page' },
        el('h3', { text: page.title }),
        el('dl', { class: 'summary-list' }, page.answers.map((answer) =>
          row(answer.label, renderLines(answer.value))))))),
    documents.length > 0 && el('section', { class: 'section', 'aria-labelledby': 'tracking-documents' },
      el('h2', { id: 'tracking-documents', text: t('documents.title') }),
      el('ul', { class: 'documents' }, documents.map((doc) => el('li', {},
        el('h3', { text: doc.title }), doc.description && el('p', { text: doc.description }),
        Array.isArray(doc.files) && (doc.files.length === 0
          ? el('p', { class: 'muted', text: t('review.noFile') })
          : el('ul', { class: 'file-list' }, doc.files.map((file) => fileItem(request, file)))))))),
    (request.history || []).length > 0 && el('section', { class: 'section', 'aria-labelledby': 'tracking-history' },
      el('h2', { id: 'tracking-history', text: t('tracking.history') }),
      el('ul', { class: 'history' }, request.history.map((entry) => el('li', {},
        el('time', { datetime: entry.at, text: formatDate(entry.at, { time: true }) }), ' – ', entry.label || entry.phase,
        entry.reason && el('p', { class: 'history-reason' }, el('strong', { text: t('tracking.reason') }), ' ', entry.reason))))),
    token && el('p', { class: 'hint', text: t('tracking.keepPrivate') }));
}

/** The thread with the service, before the history; left out when this portal has no messaging. */
async function showThread(request) {
  const access = token ? { token } : { reference: request.reference };
  const download = (file) => attachments.requestDownload(access, file.id);
  const section = await citizenThread(access, { messaging, attachments, download }).catch((err) => callout('error', failureMessage(err)));
  if (!section) return;
  const history = $('#page-content section[aria-labelledby="tracking-history"]');
  if (history) history.before(section); else $('#page-content').append(section);
}

function explain() {
  $('#page-content').replaceChildren(
    el('p', { class: 'lead', text: t('tracking.noTokenIntro') }),
    el('p', { text: t('tracking.noTokenHint') }),
    el('ul', { class: 'inline-links' },
      el('li', {}, el('a', { href: '/compte/', text: t('tracking.toAccount') })),
      el('li', {}, el('a', { href: '/', text: t('error.backHome') }))));
}

const city = await cityReady;
if (!token && !reference) {
  $('#page-title').textContent = t('tracking.noTokenTitle');
  setTitle(t('tracking.noTokenTitle'), city);
  explain();
  setState('ready');
} else {
  try {
    const request = token ? await submissions.track(token) : await submissions.request(reference);
    // The reference never breaks at its hyphen.
    const [before, after] = t('tracking.title', { reference: '\u0000' }).split('\u0000');
    setChildren($('#page-title'), before, el('span', { class: 'reference-inline', text: request.reference }), after);
    setTitle(t('tracking.title', { reference: request.reference }), city);
    render(request);
    await showThread(request);
    setState('ready');
  } catch (err) {
    if (!token && err.status === 401) {
      location.replace(`/compte/connexion.html?retour=${encodeURIComponent(location.pathname + location.search)}`);
    }
    const title = err.status === 404 ? t('tracking.invalidTitle') : t('error.title');
    $('#page-title').textContent = title;
    setTitle(title, city);
    $('#page-content').replaceChildren(callout('error', failureMessage(err),
      el('p', { text: t('tracking.noTokenHint') }),
      el('ul', { class: 'inline-links' },
        el('li', {}, el('a', { href: '/compte/', text: t('tracking.toAccount') })),
        el('li', {}, el('a', { href: '/', text: t('error.backHome') })))));
    setState('error');
  }
}
