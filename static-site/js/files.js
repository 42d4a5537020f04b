// Supporting documents' files as citizens read them: sizes in words (10 Mo = 10 000 000
// octets, as the server counts), accepted formats, the scan status, and the formats a
// chosen file may be (for the file input's `accept` and the upload grant's `type`).
// « Télécharger » (a download grant asked, then opened) is shared by every page listing files.
import { t, lang } from './i18n/index.js';
import { el } from './text.js';
import { failureMessage, whileBusy } from './ui.js';

const FORMATS = {
  pdf: { label: 'PDF', type: 'application/pdf', accept: ['.pdf', 'application/pdf'], extensions: ['pdf'] },
  jpeg: { label: 'JPEG', type: 'image/jpeg', accept: ['.jpg', '.jpeg', 'image/jpeg'], extensions: ['jpg', 'jpeg'] },
  png: { label: 'PNG', type: 'image/png', accept: ['.png', 'image/png'], extensions: ['png'] },
};
const TYPES = { 'application/pdf': 'pdf', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/pjpeg': 'jpeg', 'image/png': 'png' };

const number = (value, digits = 1) => new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: digits }).format(value);

/** A size in words: « 830 octets », « 1,2 Ko », « 10 Mo ». */
export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1000) return t('files.bytes', { count: n, n: number(n, 0) });
  if (n < 1_000_000) return t('files.kilobytes', { n: number(n / 1000) });
  return t('files.megabytes', { n: number(n / 1_000_000) });
}

/** « PDF, JPEG ou PNG ». */
export function formatList(formats) {
  const labels = (formats || []).map((f) => FORMATS[f]?.label || String(f).toUpperCase());
  if (labels.length <= 1) return labels.join('');
  return t('files.or', { list: labels.slice(0, -1).join(', '), last: labels[labels.length - 1] });
}

/** The `accept` attribute of a file input for these formats. */
export const acceptFor = (formats) => (formats || []).flatMap((f) => FORMATS[f]?.accept || []).join(',');

/** What a document accepts, in words: « PDF, JPEG ou PNG, 10 Mo maximum. Un seul fichier. » */
export function rulesText(doc) {
  const count = Number(doc.max_files) || 1;
  return [
    t('files.rules', { formats: formatList(doc.formats), size: formatSize(doc.max_bytes) }),
    count === 1 ? t('files.oneFile') : count === 2 ? t('files.twoFiles') : t('files.manyFiles', { count }),
  ].join(' ');
}

/**
 * The format a chosen file is announced as: its browser's type, else its name's extension.
 * Returns { format, type } (format null when it is none of the known ones).
 */
export function formatOf(file) {
  const byType = TYPES[String(file.type || '').toLowerCase()];
  const extension = String(file.name || '').toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const byName = Object.keys(FORMATS).find((f) => FORMATS[f].extensions.includes(extension));
  const format = byType || byName || null;
  return { format, type: format ? FORMATS[format].type : (file.type || 'application/octet-stream') };
}

const SCAN = {
  pending: { kind: 'info', label: 'files.scanPending' },
  clean: { kind: 'ok', label: 'files.scanClean' },
  infected: { kind: 'bad', label: 'files.scanInfected' },
  failed: { kind: 'warn', label: 'files.scanFailed' },
  unscanned: { kind: 'info', label: 'files.scanUnscanned' },
};

/** The scan status in words (the server's label), marked by kind; the words carry the meaning. */
export function scanBadge(file) {
  const scan = SCAN[file.scan] || SCAN.pending;
  return el('span', { class: `scan scan-${scan.kind}`, text: file.scan_label || t(scan.label) });
}

/** Files that count for their document (an infected one stays listed but does not). */
export const counting = (files) => (files || []).filter((f) => f.scan !== 'infected');

/**
 * « Télécharger » for one file (the follow-up page, a thread's messages, the agents' request
 * page): the button, named with the file, asks `askGrant()` for a short-lived download grant
 * ({ url }) the browser then opens; a failure is said in the alert paragraph below it, worded
 * by `describe(err)`. Returns both nodes, to append to the file's item.
 */
export function downloadButton(file, askGrant, { describe = failureMessage } = {}) {
  const button = el('button', { type: 'button', class: 'button button-secondary button-small' },
    t('tracking.download'), el('span', { class: 'sr-only', text: ` ${t('documents.fileContext', { name: file.name })}` }));
  const problem = el('p', { class: 'form-error download-error', role: 'alert' });
  button.addEventListener('click', () => whileBusy(button, async () => {
    problem.textContent = '';
    try {
      location.href = (await askGrant()).url;
    } catch (err) {
      problem.textContent = `${t('errors.prefix')} ${describe(err)}`;
    }
  }));
  return [el('div', { class: 'file-actions' }, button), problem];
}
