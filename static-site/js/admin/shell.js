// What every admin page shares: the city's look, the signed-in agent (or the way to the
// sign-in page), the agents' navigation, titles, the labels of phases and channels, and
// the status line that says what an action did.
import { t, translatePage } from '../i18n/index.js';
import { loadCity, renderCity } from '../city.js';
import { el, setChildren } from '../text.js';
import { $, setTitle, safeReturn, whileBusy, failureMessage, callout, formatDate, showError } from '../ui.js';
import { api } from '../api.js';
import { agents } from './api.js';

export const INBOX = '/admin/boite.html';
export const SIGN_IN = '/admin/';
/** The appointments' planning. */
export const PLANNING = '/admin/planning.html';
/** The city's indicators (supervisors and admins). */
export const INDICATORS = '/admin/indicateurs.html';
/** Exports of requests (every agent, for their services). */
export const EXPORT = '/admin/export.html';
/** Where the last inbox address (its filters) is kept, for the request page's way back. */
export const LAST_INBOX = 'gru.admin.inbox';

/** Every service of the catalogue by title (few: the list is paged by the API's cursor). */
export async function allServices() {
  const items = [];
  let cursor = null;
  do {
    const page = await api.services(cursor ? { cursor } : {});
    items.push(...page.items);
    cursor = page.next || null;
  } while (cursor);
  return items.sort((a, b) => a.title.localeCompare(b.title, 'fr'));
}

/** The services `me` handles: every one for supervisors and admins. */
export const servicesOf = (me, services) => services.filter((s) => atLeast(me, 'supervisor') || (me.services || []).includes(s.slug));

/** The address of a request's page. */
export const requestHref = (reference) => `/admin/demande.html?ref=${encodeURIComponent(reference)}`;

/** Public phases (docs/requests.md), as agents name them. */
export const PHASES = {
  submitted: 'admin.phase.submitted',
  in_progress: 'admin.phase.in_progress',
  waiting_for_citizen: 'admin.phase.waiting_for_citizen',
  accepted: 'admin.phase.accepted',
  refused: 'admin.phase.refused',
  closed: 'admin.phase.closed',
};

/** Channels a request came by. */
export const CHANNELS = {
  online: 'admin.channel.online',
  phone: 'admin.channel.phone',
  email: 'admin.channel.email',
  post: 'admin.channel.post',
  counter: 'admin.channel.counter',
  open311: 'admin.channel.open311',
};

const ROLES = { agent: 'admin.role.agent', supervisor: 'admin.role.supervisor', admin: 'admin.role.admin' };
const RANK = { agent: 0, supervisor: 1, admin: 2 };

/** Whether `me` has at least `role` (agent < supervisor < admin). */
export const atLeast = (me, role) => (RANK[me?.role] ?? -1) >= RANK[role];

export const phaseLabel = (phase) => (PHASES[phase] ? t(PHASES[phase]) : String(phase ?? ''));
export const channelLabel = (channel) => (CHANNELS[channel] ? t(CHANNELS[channel]) : String(channel ?? ''));

/** A deadline in words: « 12 mars 2027 (en retard) »; the words carry the state, colour only underlines it. */
export function deadline(due) {
  if (!due?.date && !due?.due) return el('span', { class: 'muted', text: t('admin.due.none') });
  const state = due.state || '';
  const label = { late: 'admin.due.late', soon: 'admin.due.soon', paused: 'admin.due.paused', on_time: 'admin.due.onTime' }[state];
  return el('span', { class: `due due-${state.replace(/_/g, '-')}` },
    formatDate(due.date || due.due),
    label && el('span', { class: 'due-state', text: ` ${t(label)}` }));
}

/** « Page – Espace agents – City ». */
export function adminTitle(title, city) {
  setTitle(`${title} – ${t('admin.space')}`, city);
}

/** Where to go after signing in: ?retour=… when it is an admin page, else the inbox. */
export function returnPath() {
  const wanted = safeReturn(new URLSearchParams(location.search).get('retour'), INBOX);
  return wanted.startsWith('/admin/') && !/^\/admin\/(index\.html)?(\?|#|$)/.test(wanted) ? wanted : INBOX;
}

/** To the sign-in page, coming back here after. */
export function toSignIn() {
  location.replace(`${SIGN_IN}?retour=${encodeURIComponent(location.pathname + location.search)}`);
}

function renderNav(me, current) {
  const nav = $('#admin-nav');
  const link = (href, key) => el('li', {}, el('a', {
    class: 'admin-link', href, text: t(key), 'aria-current': current === href ? 'page' : null,
  }));
  const signout = el('button', { type: 'button', class: 'button button-secondary button-small', text: t('admin.signout') });
  signout.addEventListener('click', () => whileBusy(signout, async () => {
    try {
      await agents.signout();
    } catch (err) {
      if (err.status !== 401) {
        status(failureMessage(err), { error: true });
        return;
      }
    }
    location.assign(`${SIGN_IN}?deconnecte`);
  }));
  setChildren(nav,
    el('ul', { class: 'admin-links' }, link(INBOX, 'admin.inbox'), link('/admin/saisie.html', 'admin.entry'), link(PLANNING, 'admin.planning'),
      atLeast(me, 'supervisor') && link(INDICATORS, 'admin.indicators'), link(EXPORT, 'admin.export')),
    el('p', { class: 'admin-who' },
      el('span', { class: 'sr-only', text: t('admin.signedInAs') }), ' ',
      el('span', { class: 'admin-name', text: me.name }), ' ',
      el('span', { class: 'admin-role', text: `(${t(ROLES[me.role] || 'admin.role.agent')})` })),
    signout);
  nav.hidden = false;
}

/**
 * Start an admin page: translate it, apply the city's look and, unless `public`, find the
 * signed-in agent. Resolves to { city, me }; without a session it goes to the sign-in page
 * and resolves to null.
 */
export async function initAdmin({ current = null, public: open = false } = {}) {
  translatePage();
  const cityReady = loadCity();
  cityReady.then(renderCity);
  if (open) return { city: await cityReady, me: null };
  let me;
  try {
    me = await agents.me();
  } catch (err) {
    if (err.status === 401) {
      toSignIn();
      return null;
    }
    throw Object.assign(err, { city: await cityReady });
  }
  renderNav(me, current);
  return { city: await cityReady, me };
}

/**
 * Say what an action did in the page's status line (role="status", read without moving
 * focus); errors go in a role="alert" callout instead.
 */
export function status(message, { error = false } = {}) {
  const line = $('#admin-status');
  const box = $('#admin-alert');
  if (error) {
    line.textContent = '';
    box.replaceChildren(callout('error', message));
    return box.firstChild;
  }
  box.replaceChildren();
  line.textContent = message;
  return line;
}

/** The page's failure (404 or other) as the citizen site shows it, leading back to the inbox rather than the home page. */
export function adminError(err, city, options) {
  showError(err, city, options);
  const home = $('#page-content a[href="/"]');
  if (home) {
    home.setAttribute('href', INBOX);
    home.textContent = t('admin.backToInbox');
  }
}
