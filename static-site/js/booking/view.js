// An appointment as the citizen reads it: what, when, where, its state in words.
import { t } from '../i18n/index.js';
import { el } from '../text.js';

const STATUSES = {
  booked: 'booking.status.booked',
  cancelled: 'booking.status.cancelled',
  present: 'booking.status.present',
  no_show: 'booking.status.no_show',
};

/** The state of an appointment in words (never a colour alone). */
export const statusLabel = (status) => (STATUSES[status] ? t(STATUSES[status]) : String(status ?? ''));

/** The facts of an appointment view as a description list. */
export function appointmentFacts(view, { status = false, className = 'summary-list summary-list-key' } = {}) {
  const rowClass = className.includes('summary-list') ? 'summary-row' : null;
  const row = (label, value) => value && el('div', { class: rowClass }, el('dt', { text: label }), el('dd', {}, value));
  return el('dl', { class: className },
    row(t('booking.what'), view.type_title || view.type),
    row(t('booking.when'), view.label),
    row(t('booking.where'), view.agenda_title || view.place),
    row(t('booking.address'), view.address),
    status && row(t('booking.state'), el('strong', { text: statusLabel(view.status) })),
    row(t('booking.reference'), view.reference && el('span', { class: 'reference-inline', text: view.reference })),
    ...(view.answers || []).map((a) => row(a.label, a.answer)));
}

/** « À apporter »: what the appointment's type asks the citizen to bring, or nothing. */
export function bringList(items, headingLevel = 'h2') {
  if (!items?.length) return null;
  return el('section', { class: 'section', 'aria-labelledby': 'booking-bring' },
    el(headingLevel, { id: 'booking-bring', text: t('booking.bring') }),
    el('ul', {}, items.map((item) => el('li', { text: item }))));
}
