// admin/export.html: an agent exports the requests of a service they handle over a period,
// with the columns they choose, as CSV or ODS. The API builds the file in steps: the page
// asks for each step in turn and shows the progress (a <progress> bar and a status line
// read by screen readers), then offers the file. Leaving the page stops the export; the
// file, once ready, stays downloadable for 32 hours from the same page's link.
import { t } from '../i18n/index.js';
import { el, setChildren } from '../text.js';
import { $, setState, failureMessage, whileBusy, focusOn } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { exports } from './api.js';
import { adminError, initAdmin, adminTitle, allServices, servicesOf, status, EXPORT } from './shell.js';

/** The columns an agent may choose, in the file's order; the first ones checked. */
const FIELDS = [
  ['reference', true], ['submitted', true], ['channel', true], ['status', true], ['assignee', false],
  ['due', false], ['decided', true], ['citizen', false], ['email', false], ['answers', false],
];
const LABELS = {
  reference: 'admin.export.field.reference',
  submitted: 'admin.export.field.submitted',
  channel: 'admin.export.field.channel',
  status: 'admin.export.field.status',
  assignee: 'admin.export.field.assignee',
  due: 'admin.export.field.due',
  decided: 'admin.export.field.decided',
  citizen: 'admin.export.field.citizen',
  email: 'admin.export.field.email',
  answers: 'admin.export.field.answers',
};

function orderForm(services, today) {
  const field = (path, label, control) => el('div', { class: 'field', 'data-path': path }, el('label', { for: control.id, text: label }), control);
  const columns = el('fieldset', { class: 'field', 'data-path': 'fields' },
    el('legend', { class: 'legend', text: t('admin.export.fields') }),
    el('div', { class: 'choices' }, FIELDS.map(([name, checked]) => el('div', { class: 'choice' },
      el('input', { type: 'checkbox', class: 'choice-input', id: `field-${name}`, name: 'fields', value: name, checked }),
      el('label', { class: 'choice-label', for: `field-${name}`, text: t(LABELS[name]) })))));
  const formats = el('fieldset', { class: 'field', 'data-path': 'format' },
    el('legend', { class: 'legend', text: t('admin.export.format') }),
    el('div', { class: 'choices' }, [['ods', t('admin.export.format.ods')], ['csv', t('admin.export.format.csv')]].map(([format, label], i) => el('div', { class: 'choice' },
      el('input', { type: 'radio', class: 'choice-input', id: `format-${format}`, name: 'format', value: format, checked: i === 0 }),
      el('label', { class: 'choice-label', for: `format-${format}`, text: label })))));
  return el('form', { class: 'export-form', novalidate: true },
    field('service', t('admin.export.service'), el('select', { id: 'service', name: 'service', class: 'input' },
      services.map((s) => el('option', { value: s.slug, text: s.title })))),
    el('div', { class: 'indicator-dates' },
      field('from', t('admin.export.from'), el('input', { id: 'from', name: 'from', type: 'date', class: 'input', value: `${today.slice(0, 8)}01`, required: true })),
      field('to', t('admin.export.to'), el('input', { id: 'to', name: 'to', type: 'date', class: 'input', value: today, required: true }))),
    columns,
    formats,
    el('p', {}, el('button', { type: 'submit', class: 'button', text: t('admin.export.start') })));
}

/** The progress of an export: its bar, and its words for everyone. */
function showProgress(place, progress) {
  const words = t('admin.export.progress', { done: progress.done, total: progress.total });
  setChildren(place,
    el('label', { for: 'export-bar', text: t('admin.export.preparing') }),
    el('progress', { id: 'export-bar', max: Math.max(progress.total, 1), value: Math.min(progress.done, Math.max(progress.total, 1)) }),
    el('p', { class: 'hint', text: words }));
}

/** The file, once ready: its link asks for a fresh download grant at each click. */
function showReady(place, progress) {
  const link = el('a', { class: 'button', href: progress.download.url, text: t('admin.export.download', { file: progress.file_name }) });
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      const fresh = await exports.progress(progress.id);
      location.assign(fresh.download.url);
    } catch (err) {
      status(failureMessage(err), { error: true });
    }
  });
  setChildren(place,
    el('p', { text: t('admin.export.ready', { count: progress.done }) }),
    el('p', {}, link),
    el('p', { class: 'hint', text: t('admin.export.kept') }));
  focusOn(link);
}

async function main() {
  const started = await initAdmin({ current: EXPORT });
  if (!started) return;
  const { city, me } = started;
  adminTitle(t('admin.export'), city);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: city?.timezone || 'Europe/Paris' }).format(new Date());
  const services = servicesOf(me, await allServices());
  const form = orderForm(services, today);
  const place = el('div', { id: 'export-progress', class: 'export-progress', 'aria-live': 'polite' });
  setChildren($('#page-content'), el('p', { class: 'hint', text: t('admin.export.intro') }), form, place);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    whileBusy(button, async () => {
      clearErrors(form);
      status('');
      const data = new FormData(form);
      const order = {
        service: data.get('service'),
        from: data.get('from'),
        to: data.get('to'),
        fields: data.getAll('fields'),
        format: data.get('format'),
      };
      try {
        let progress = await exports.start(order);
        while (progress.state === 'running') {
          showProgress(place, progress);
          progress = await exports.next(progress.id);
        }
        showReady(place, progress);
        status(t('admin.export.ready', { count: progress.done }));
      } catch (err) {
        setChildren(place);
        const errors = (err.errors || []).map((e) => ({ ...e, field: e.field.replace(/\[\d+\]$/, '') }));
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
      }
    }, { disable: true });
  });
  setState('ready');
}

main().catch(adminError);
