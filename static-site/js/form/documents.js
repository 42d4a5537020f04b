// The « Pièces justificatives » step: the checklist the server computes from the saved
// answers, and for each document its files (with their scan status), a labelled file
// input, uploads with a progress bar, « Remplacer », « Supprimer », errors next to the
// document with « Réessayer ». A file goes straight to storage through an upload grant
// (ask the grant, PUT the bytes, confirm), never through the API.
//
// Screen readers hear the start, end, failure and removal of each file in one polite live
// region (never every percent); a failure is also written next to its document in a
// role="alert" box. Parts are redrawn only when they change, and focus is given back to
// the same control (or the closest sensible one) when its part is redrawn.
import { attachments, uploadFile, ApiError } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { callout, failureMessage, focusOn, whileBusy } from '../ui.js';
import { formatSize, rulesText, acceptFor, formatOf, formatList, scanBadge, counting } from '../files.js';
import { showErrors, clearErrors } from './errors.js';

/** DOM-safe part of a document id. */
const slug = (id) => String(id).replace(/[^\w-]+/g, '-');
const POLL_MS = 3000;
const POLL_TIMES = 60;
let uploadCount = 0;

/** The message of an attachments failure: the problem's field messages, else its detail. */
function problemMessage(err) {
  if (err instanceof ApiError && err.errors.length > 0) return err.errors.map((e) => e.message).join(' ');
  return failureMessage(err);
}

/**
 * The live region. Messages are queued and each stays a moment, so a start followed at
 * once by its end is heard whole; the region is emptied between two, so the same words
 * twice are heard twice.
 */
function liveRegion() {
  const node = el('div', { class: 'sr-only', id: 'documents-live', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const queue = [];
  let speaking = false;
  const next = () => {
    if (queue.length === 0) {
      speaking = false;
      return;
    }
    speaking = true;
    node.textContent = '';
    setTimeout(() => {
      node.textContent = queue.shift();
      setTimeout(next, 700);
    }, 50);
  };
  return {
    node,
    say(text) {
      queue.push(text);
      if (!speaking) next();
    },
  };
}

/**
 * Fill `container` with the documents step. options: { draftId, checklist (the GET
 * answer), onContinue() (no document missing), onBack() (or null), onErrors(shown)
 * (the error summary came or went) }.
 * Returns { showMissing(serverErrors) }: the error summary of the missing documents.
 */
export function renderDocuments(container, { draftId, checklist, onContinue, onBack, onErrors }) {
  let list = checklist;
  const live = liveRegion();
  /** Uploads in progress or failed, by document id: [{ id, docId, file, name, replaces, phase, ... }]. */
  const uploads = new Map();
  const views = new Map();
  const quota = el('p', { class: 'documents-quota' });
  let polls = 0;
  let pollTimer = null;

  const docOf = (id) => list.documents.find((d) => d.id === id);
  const active = (docId) => uploads.get(docId) || [];
  const inFlight = (docId) => active(docId).filter((u) => u.phase !== 'error');
  /** The files to list, oldest first: not those still being sent from this page (shown as uploads). */
  const listed = (doc) => {
    const sending = new Set(active(doc.id).map((u) => u.fileId).filter(Boolean));
    return (doc.files || []).filter((f) => !sending.has(f.id))
      .sort((a, b) => String(a.uploaded_at || '').localeCompare(String(b.uploaded_at || '')));
  };
  const isMissing = (doc) => doc.missing || counting(listed(doc)).length === 0;

  async function reload() {
    list = await attachments.checklist(draftId);
    for (const doc of list.documents) if (views.has(doc.id)) draw(doc.id);
    drawQuota();
    schedulePoll();
  }

  function drawQuota() {
    const q = list.quota;
    if (!q) { quota.hidden = true; return; }
    quota.hidden = false;
    quota.textContent = t('documents.quota', {
      files: t('documents.fileCount', { count: q.max_files }), size: formatSize(q.max_bytes),
      used: t('documents.fileCount', { count: q.files }), usedSize: formatSize(q.bytes),
    });
  }

  // --- One document -------------------------------------------------------------------

  function fileItem(doc, file) {
    const key = `file:${file.id}`;
    const replaceInput = el('input', { type: 'file', hidden: true, accept: acceptFor(doc.formats), tabindex: '-1' });
    replaceInput.addEventListener('change', () => {
      const chosen = replaceInput.files?.[0];
      if (chosen) start(doc.id, chosen, file);
    });
    const context = () => el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: file.name })}` });
    const remove = el('button', { type: 'button', class: 'button button-secondary button-small', 'data-key': `remove:${file.id}` },
      t('documents.remove'), context());
    remove.addEventListener('click', () => whileBusy(remove, () => removeFile(doc.id, file)));
    return el('li', { class: `file-item file-${file.scan}`, 'data-key': key },
      el('p', { class: 'file-name' }, el('span', { class: 'file-title', text: file.name }), ' ',
        el('span', { class: 'file-size', text: `(${formatSize(file.size)})` })),
      el('p', { class: 'file-scan' }, scanBadge(file)),
      el('div', { class: 'file-actions' },
        el('button', {
          type: 'button', class: 'button button-secondary button-small', 'data-key': `replace:${file.id}`,
          onclick: () => { replaceInput.value = ''; replaceInput.click(); },
        }, t('documents.replace'), context()),
        remove, replaceInput));
  }

  function view(doc) {
    const id = `doc-${slug(doc.id)}`;
    const inputId = `${id}-file`;
    const hintId = `${inputId}-hint`;
    const input = el('input', {
      type: 'file', id: inputId, class: 'input-file', accept: acceptFor(doc.formats), 'aria-describedby': hintId,
    });
    input.addEventListener('change', () => {
      const chosen = input.files?.[0];
      if (chosen) start(doc.id, chosen, null);
      input.value = '';
    });
    const addLabel = el('span', { class: 'add-label' });
    const add = el('div', { class: 'field document-add', 'data-path': `documents.${doc.id}`, 'data-label': doc.title, 'data-error-id': inputId },
      el('label', { class: 'label', for: inputId }, addLabel,
        el('span', { class: 'sr-only', text: ` ${t('documents.addContext', { title: doc.title })}` })),
      el('p', { class: 'hint', id: hintId, text: `${rulesText(doc)} ${t('documents.addHint')}` }),
      input);
    const state = el('p', { class: 'document-state' });
    const files = el('ul', { class: 'file-list' });
    // Where an error goes when the document is full of files that do not count (infected): its files' buttons.
    const filesBox = el('div', { class: 'document-files', 'data-path': `documents.${doc.id}.files`, 'data-label': doc.title }, files);
    const sending = el('div', { class: 'uploads' });
    const section = el('section', { class: 'document-card', id, 'aria-labelledby': `${id}-title` },
      el('h2', { id: `${id}-title`, class: 'document-title', text: doc.title }),
      state,
      doc.description && el('p', { class: 'document-description', text: doc.description }),
      filesBox, sending, add);
    return { section, state, files, sending, add, addLabel, input, signature: null };
  }

  /** Redraw what changed in one document, giving focus back to the same control. */
  function draw(docId, { focus } = {}) {
    const doc = docOf(docId);
    const v = views.get(docId);
    if (!doc || !v) return;
    const before = document.activeElement;
    const hadFocus = v.section.contains(before) ? before : null;
    const key = hadFocus?.dataset?.key;

    const shown = listed(doc);
    const signature = JSON.stringify(shown.map((f) => [f.id, f.name, f.size, f.scan, f.scan_label]));
    if (signature !== v.signature) {
      v.signature = signature;
      v.files.replaceChildren(...shown.map((f) => fileItem(doc, f)));
      v.files.hidden = shown.length === 0;
    }
    const missing = isMissing(doc);
    if (!missing && v.section.querySelector('.field-invalid')) settled(v);
    markInput(docId);
    v.state.className = `document-state ${missing ? 'document-state-missing' : 'document-state-done'}`;
    v.state.textContent = missing ? t('documents.stateMissing') : t('documents.stateDone', { count: counting(shown).length });
    v.addLabel.textContent = shown.length > 0 ? t('documents.addAnother') : t('documents.add');
    for (const upload of active(docId)) if (upload.node.parentNode !== v.sending) v.sending.append(upload.node);
    // Every listed file takes a place, an infected one too (until it is replaced or deleted), as the server
    // counts. Files still being sent do not hide the input (it may have focus): a file too many is refused.
    const full = shown.length >= (Number(doc.max_files) || 1);
    v.add.hidden = full;

    // Focus: the control asked for, else the same control again, else a neighbour.
    const lost = hadFocus && (!hadFocus.isConnected || hadFocus.closest('[hidden]'));
    if (focus) focusOn(typeof focus === 'function' ? focus(v) : focus);
    else if (lost) {
      const same = key && v.section.querySelector(`[data-key="${CSS.escape(key)}"]`);
      focusOn(same && !same.closest('[hidden]') ? same : fallback(v));
    }
  }

  /** A document said missing has its file: its message goes, and the summary once nothing is left in it. */
  function settled(v) {
    for (const wrapper of v.section.querySelectorAll('.field-invalid')) {
      const box = [...wrapper.children].find((c) => c.classList.contains('field-error'));
      for (const node of wrapper.querySelectorAll('[aria-describedby]')) {
        const ids = node.getAttribute('aria-describedby').split(/\s+/).filter((id) => id && id !== box?.id);
        if (ids.length > 0) node.setAttribute('aria-describedby', ids.join(' '));
        else node.removeAttribute('aria-describedby');
      }
      for (const node of wrapper.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
      box?.remove();
      wrapper.classList.remove('field-invalid');
    }
    if (!root.querySelector('.field-invalid')) {
      root.querySelector('.error-summary')?.remove();
      onErrors?.(false);
    }
  }

  /** Where focus goes when its control is gone: the newest file, else the file input, else the heading. */
  function fallback(v) {
    if (!v.add.hidden) return v.input;
    return v.files.lastElementChild || v.section.querySelector('h2');
  }

  // --- Uploads ------------------------------------------------------------------------

  function uploadNode(upload) {
    const body = el('div', { class: 'upload-body' });
    const alert = el('div', { class: 'upload-alert', role: 'alert' });
    const node = el('div', { class: 'upload', 'data-key': `upload:${upload.id}` }, body, alert);
    return { node, body, alert };
  }

  function drawUpload(upload) {
    const { body, alert } = upload.parts;
    const progressId = `upload-${upload.id}-progress`;
    if (upload.phase === 'error') {
      body.replaceChildren();
      upload.node.classList.add('upload-failed');
      const retry = !upload.retry ? null : el('button', {
        type: 'button', class: 'button button-secondary button-small', 'data-key': `retry:${upload.id}`,
      }, t('documents.retry'), el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: upload.name })}` }));
      retry?.addEventListener('click', () => {
        upload.phase = 'uploading';
        upload.percent = 0;
        live.say(t('documents.started', { name: upload.name }));
        drawUpload(upload);
        draw(upload.docId, { focus: () => upload.node });
        run(upload);
      });
      // Refused for what it is: another file is what helps (the input, or the replaced file's « Remplacer »).
      const other = upload.retry ? null : el('button', {
        type: 'button', class: 'button button-secondary button-small', 'data-key': `other:${upload.id}`,
      }, t('documents.chooseOther'), el('span', { class: 'sr-only', text: ` ${t('documents.addContext', { title: docOf(upload.docId)?.title ?? '' })}` }));
      other?.addEventListener('click', () => {
        const v = views.get(upload.docId);
        const replace = upload.replaces && v?.section.querySelector(`[data-key="replace:${CSS.escape(upload.replaces.id)}"]`);
        if (replace) replace.click();
        else if (v && !v.add.hidden) v.input.click();
        else if (v) focusOn(fallback(v));
      });
      const dismiss = el('button', {
        type: 'button', class: 'button button-secondary button-small', 'data-key': `dismiss:${upload.id}`,
      }, t('documents.dismiss'), el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: upload.name })}` }));
      dismiss.addEventListener('click', () => {
        // A reservation still held (its confirmation was not answered) is given back.
        if (upload.fileId) attachments.remove(draftId, upload.fileId).catch(() => {});
        forget(upload);
        draw(upload.docId, { focus: (v) => fallback(v) });
      });
      alert.replaceChildren(
        el('p', { class: 'upload-error-message', id: `upload-${upload.id}-error` },
          el('strong', { text: t('documents.failed', { name: upload.name }) }), ' ', upload.message),
        el('div', { class: 'file-actions' }, retry, other, dismiss));
      markInput(upload.docId);
      return;
    }
    upload.node.classList.remove('upload-failed');
    alert.replaceChildren();
    markInput(upload.docId);
    const checking = upload.phase === 'confirming';
    const percent = checking ? 100 : upload.percent;
    const label = checking ? t('documents.checking', { name: upload.name })
      : upload.replaces ? t('documents.sendingReplacement', { name: upload.name, old: upload.replaces.name })
        : t('documents.sending', { name: upload.name });
    let bar = body.querySelector('progress');
    if (!bar) {
      bar = el('progress', { id: progressId, max: '100', value: '0' });
      const cancel = el('button', { type: 'button', class: 'button button-secondary button-small', 'data-key': `cancel:${upload.id}` },
        t('documents.cancel'), el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: upload.name })}` }));
      cancel.addEventListener('click', () => upload.abort?.());
      body.replaceChildren(
        el('label', { class: 'upload-label', for: progressId }),
        el('div', { class: 'upload-bar' }, bar, el('span', { class: 'upload-percent', 'aria-hidden': 'true' })),
        el('div', { class: 'file-actions' }, cancel));
    }
    body.querySelector('.upload-label').textContent = label;
    bar.value = percent;
    bar.textContent = `${percent} %`;
    body.querySelector('.upload-percent').textContent = `${percent}\u00a0%`;
    body.querySelector('.file-actions').hidden = checking;
  }

  /** The file input of a document says so (aria-invalid, described by the error) while an upload of it failed. */
  function markInput(docId) {
    const v = views.get(docId);
    if (!v) return;
    const failed = active(docId).filter((u) => u.phase === 'error').map((u) => `upload-${u.id}-error`);
    const hint = (v.input.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && !id.startsWith('upload-'));
    v.input.setAttribute('aria-describedby', [...hint, ...failed].join(' '));
    if (failed.length > 0 || v.add.classList.contains('field-invalid')) v.input.setAttribute('aria-invalid', 'true');
    else v.input.removeAttribute('aria-invalid');
  }

  function forget(upload) {
    const rest = active(upload.docId).filter((u) => u !== upload);
    uploads.set(upload.docId, rest);
    upload.node.remove();
    markInput(upload.docId);
  }

  /** Refuse here what the server would refuse anyway, saying why at once. */
  function precheck(doc, file, replaces) {
    const { format } = formatOf(file);
    if (!format || !(doc.formats || []).includes(format)) return t('documents.wrongFormat', { formats: formatList(doc.formats) });
    if (file.size === 0) return t('documents.emptyFile');
    if (doc.max_bytes && file.size > doc.max_bytes) return t('documents.tooBig', { size: formatSize(file.size), max: formatSize(doc.max_bytes) });
    const taken = listed(doc).length + inFlight(doc.id).filter((u) => !u.replaces).length;
    if (!replaces && taken >= (Number(doc.max_files) || 1)) return t('documents.tooMany', { count: Number(doc.max_files) || 1 });
    return null;
  }

  function start(docId, file, replaces) {
    const doc = docOf(docId);
    if (!doc) return;
    // A new file for this document: earlier failures of it are over.
    for (const old of active(docId).filter((u) => u.phase === 'error')) forget(old);
    uploadCount += 1;
    const upload = {
      id: `${slug(docId)}-${uploadCount}`, docId, file, name: file.name, replaces: replaces ? { id: replaces.id, name: replaces.name } : null,
      phase: 'uploading', percent: 0, fileId: null, abort: null, retry: null, message: '',
    };
    upload.parts = uploadNode(upload);
    upload.node = upload.parts.node;
    const refused = precheck(doc, file, replaces);
    uploads.set(docId, [...active(docId), upload]);
    if (refused) {
      fail(upload, null, { message: refused, retry: null });
      return;
    }
    drawUpload(upload);
    draw(docId);
    live.say(upload.replaces
      ? t('documents.startedReplacement', { name: upload.name, old: upload.replaces.name })
      : t('documents.started', { name: upload.name }));
    run(upload);
  }

  async function run(upload) {
    const doc = docOf(upload.docId);
    let stage = 'grant';
    try {
      if (!upload.fileId) {
        const { type } = formatOf(upload.file);
        const answer = await attachments.grant(draftId, {
          document: upload.docId, name: upload.name, type, size: upload.file.size, replaces: upload.replaces?.id ?? null,
        });
        upload.fileId = answer.file.id;
        stage = 'put';
        const sending = uploadFile(answer.upload, upload.file, {
          onProgress(loaded, total) {
            const percent = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : 0;
            if (percent !== upload.percent) {
              upload.percent = percent;
              drawUpload(upload);
            }
          },
        });
        upload.abort = sending.abort;
        await sending.promise;
        upload.abort = null;
      }
      stage = 'confirm';
      upload.phase = 'confirming';
      drawUpload(upload);
      const file = await attachments.confirm(draftId, upload.fileId);
      const focusWasHere = upload.node.contains(document.activeElement);
      const wasOnInput = document.activeElement === views.get(upload.docId)?.input;
      // On a button of the file it replaces: the same button of the new file.
      const onReplaced = upload.replaces && [`replace:${upload.replaces.id}`, `remove:${upload.replaces.id}`].includes(document.activeElement?.dataset?.key)
        && document.activeElement.dataset.key.split(':')[0];
      uploads.set(upload.docId, active(upload.docId).filter((u) => u !== upload));
      upload.node.remove();
      await reload().catch(() => draw(upload.docId));
      const v = views.get(upload.docId);
      const item = v?.files.querySelector(`[data-key="file:${CSS.escape(file.id)}"]`);
      // Focus follows the file only when its control went away (the input now hidden, the upload gone).
      if (v && onReplaced && item) {
        focusOn(item.querySelector(`[data-key="${onReplaced}:${CSS.escape(file.id)}"]`) || item);
      } else if (v && (focusWasHere || (wasOnInput && v.add.hidden) || document.activeElement === document.body)) {
        // Its control went away (the upload's, or the input now that the document is full): the new file.
        focusOn(item || fallback(v));
      }
      const name = file.name || upload.name;
      live.say(file.scan === 'infected'
        ? t('documents.infected', { name, label: file.scan_label || t('files.scanInfected') })
        : [upload.replaces ? t('documents.replaced', { name, old: upload.replaces.name, title: doc.title })
          : t('documents.sent', { name, title: doc.title }),
        file.scan_label || ''].filter(Boolean).join(' '));
    } catch (err) {
      if (err?.aborted) {
        await cancelled(upload);
        return;
      }
      fail(upload, err, classify(err, stage));
      // The server may have deleted the file (a refused confirmation): list what it now holds.
      reload().catch(() => {});
    }
  }

  /** What went wrong and whether « Réessayer » can help (and from where). */
  function classify(err, stage) {
    const kind = err instanceof ApiError ? err.kind : '';
    const transient = !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429 || kind === 'conflict';
    if (stage === 'grant') return { message: problemMessage(err), retry: transient ? 'restart' : null };
    if (stage === 'put') {
      const message = err.status === 0 ? t('error.network')
        : err.status === 403 ? t('documents.grantExpired') : t('documents.uploadFailed');
      return { message, retry: 'restart', drop: true };
    }
    // Confirmation: the server deleted the file when it refused it; a lost answer can be asked again.
    if (transient) return { message: problemMessage(err), retry: 'confirm' };
    if (kind === 'spoofed-type') return { message: problemMessage(err), retry: null, gone: true };
    return { message: problemMessage(err), retry: 'restart', gone: true };
  }

  function fail(upload, err, { message, retry, drop = false, gone = false }) {
    upload.abort = null;
    if (drop && upload.fileId) attachments.remove(draftId, upload.fileId).catch(() => {});
    if (drop || gone) upload.fileId = null;
    if (retry === 'restart') upload.fileId = null;
    upload.phase = 'error';
    upload.retry = retry;
    upload.message = message;
    const focusWasHere = upload.node.contains(document.activeElement);
    drawUpload(upload);
    draw(upload.docId);
    // The alert is heard; keyboard users land on its first button only if their control went away.
    if (focusWasHere) focusOn(upload.node.querySelector('.upload-alert button'));
  }

  async function cancelled(upload) {
    if (upload.fileId) await attachments.remove(draftId, upload.fileId).catch(() => {});
    forget(upload);
    live.say(t('documents.cancelled', { name: upload.name }));
    await reload().catch(() => {});
    draw(upload.docId, { focus: (v) => fallback(v) });
  }

  async function removeFile(docId, file) {
    for (const old of container.querySelectorAll('.remove-failed')) old.remove();
    try {
      await attachments.remove(draftId, file.id);
    } catch (err) {
      if (err.status !== 404) {
        const v = views.get(docId);
        const box = el('p', { class: 'upload-error-message', role: 'alert' },
          el('strong', { text: t('documents.removeFailed', { name: file.name }) }), ' ', failureMessage(err));
        v?.sending.append(el('div', { class: 'upload upload-failed remove-failed' }, box));
        return;
      }
    }
    live.say(t('documents.removed', { name: file.name }));
    await reload().catch(() => {});
    draw(docId, { focus: (v) => fallback(v) });
  }

  // --- Scans that are still running: ask again now and then ----------------------------

  function schedulePoll() {
    clearTimeout(pollTimer);
    const pending = list.documents.some((d) => listed(d).some((f) => f.scan === 'pending'));
    if (!pending || polls >= POLL_TIMES) return;
    pollTimer = setTimeout(async () => {
      if (!container.isConnected || !container.contains(root)) return;
      polls += 1;
      const before = new Map(list.documents.flatMap((d) => d.files || []).map((f) => [f.id, f.scan]));
      try { await reload(); } catch { schedulePoll(); return; }
      const changed = list.documents.flatMap((d) => listed(d)).filter((f) => before.get(f.id) === 'pending' && f.scan !== 'pending');
      if (changed.length > 0) live.say(changed.map((f) => t('documents.scanned', { name: f.name, label: f.scan_label || '' })).join(' '));
    }, POLL_MS);
  }

  // --- The step -----------------------------------------------------------------------

  const submit = el('button', { type: 'submit', class: 'button', text: t('form.continue') });
  const root = el('form', { class: 'step-form documents-step', novalidate: true, 'aria-labelledby': 'page-title' },
    el('p', { class: 'lead', text: t('documents.intro') }),
    list.scanner
      ? el('p', { class: 'documents-scanner', text: t('documents.scanner') })
      : callout('info', t('documents.noScannerTitle'), el('p', { text: t('documents.noScanner') })),
    quota,
    live.node,
    list.documents.map((doc) => {
      const v = view(doc);
      views.set(doc.id, v);
      return v.section;
    }),
    el('div', { class: 'form-actions' },
      submit,
      onBack && el('button', { type: 'button', class: 'button button-secondary', text: t('form.previous'), onclick: onBack })),
    el('p', { class: 'form-saved-note', text: t('documents.savedNote') }));
  container.replaceChildren(root);
  for (const doc of list.documents) draw(doc.id);
  // Leaving the page while a file is on its way would lose it: the browser asks first.
  window.addEventListener('beforeunload', (event) => {
    if (root.isConnected && [...uploads.values()].flat().some((u) => u.phase !== 'error')) event.preventDefault();
  });
  drawQuota();
  schedulePoll();

  /** The error summary of what is missing (or still being sent); false when nothing is. */
  function showMissing(serverErrors = []) {
    const errors = [];
    for (const doc of list.documents) {
      const sending = inFlight(doc.id);
      if (sending.length > 0) {
        errors.push({ field: `documents.${doc.id}`, message: t('documents.stillSending', { name: sending[0].name, title: doc.title }) });
      } else if (isMissing(doc)) {
        // No room for another file (only infected ones): the message goes with the files, to replace one.
        const full = views.get(doc.id)?.add.hidden;
        errors.push({ field: full ? `documents.${doc.id}.files` : `documents.${doc.id}`, message: t('documents.missing', { title: doc.title }) });
      }
    }
    // The server knows best: what it found missing and this page did not is said as it said it.
    for (const error of serverErrors) {
      if (!errors.some((e) => e.field === error.field || e.field.startsWith(`${error.field}.`))) errors.push(error);
    }
    if (errors.length === 0) {
      clearErrors(root);
      for (const doc of list.documents) markInput(doc.id);
      onErrors?.(false);
      return false;
    }
    showErrors(root, errors, { labelled: false });
    for (const doc of list.documents) markInput(doc.id);
    onErrors?.(true);
    return true;
  }

  root.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(submit, async () => {
      try {
        await reload();
      } catch (err) {
        showErrors(root, [], { other: [failureMessage(err)] });
        onErrors?.(true);
        return;
      }
      if (!showMissing()) {
        clearTimeout(pollTimer);
        onContinue();
      }
    });
  });

  return { showMissing };
}
