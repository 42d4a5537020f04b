// The sent state: the reference in large, where the confirmation went, the appointment to
// book next when the service requires one, what happens next, and the personal tracking link.
import { t } from '../i18n/index.js';
import { el, renderText, setChildren } from '../text.js';

/** The tracking link as a path of this site (the emailed one may name another host of it). */
export function trackingHref(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.pathname === '/suivi.html' ? `/suivi.html${parsed.hash}` : parsed.href;
  } catch {
    return '/suivi.html';
  }
}

/** Fill `container`: receipt { reference, tracking_url }, email, the catalogue service, signedIn. */
export function renderConfirmation(container, { receipt, email, service, signedIn }) {
  const presentation = service?.presentation || {};
  const steps = Array.isArray(presentation.steps) ? presentation.steps : [];
  setChildren(container,
    el('div', { class: 'confirmation-panel' },
      el('p', { class: 'confirmation-label', text: t('sent.reference') }),
      el('p', { class: 'reference', text: receipt.reference })),
    email && el('p', { class: 'lead' }, t('sent.emailed'), ' ', el('strong', { text: email }), '.'),
    service?.appointment?.required && service.appointment.type && el('section', { class: 'section next-appointment', 'aria-labelledby': 'sent-appointment' },
      el('h2', { id: 'sent-appointment', text: t('sent.appointmentTitle') }),
      el('p', { text: t('sent.appointmentIntro') }),
      el('p', {}, el('a', {
        class: 'button',
        href: `/rendez-vous/?type=${encodeURIComponent(service.appointment.type)}&reference=${encodeURIComponent(receipt.reference)}`,
        text: t('sent.appointmentLink'),
      }))),
    el('section', { class: 'section', 'aria-labelledby': 'sent-next' },
      el('h2', { id: 'sent-next', text: t('sent.nextTitle') }),
      el('p', { text: t('sent.nextIntro') }),
      steps.length > 0 && el('ol', { class: 'steps' }, steps.map((step) => el('li', {},
        el('h3', { text: step.title }), step.description && renderText(step.description)))),
      presentation.delay && el('p', {}, el('strong', { text: t('sent.delay') }), ' ', presentation.delay)),
    el('section', { class: 'section', 'aria-labelledby': 'sent-tracking' },
      el('h2', { id: 'sent-tracking', text: t('sent.trackingTitle') }),
      el('p', { text: t('sent.trackingIntro') }),
      el('p', {}, el('a', { class: 'button', href: trackingHref(receipt.tracking_url), text: t('sent.trackingLink') }))),
    !signedIn && el('p', {}, t('sent.accountHint'), ' ',
      el('a', { href: '/compte/inscription.html', text: t('sent.accountLink') }), '.'),
    el('p', {}, el('a', { href: '/', text: t('error.backHome') })));
}
