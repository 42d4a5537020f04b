// The signed-in citizen, as far as this page knows. The session cookie is HttpOnly, so
// the site asks GET /api/accounts/me; pages that do not need the answer ask only when this
// browser signed in before (a hint in localStorage), so anonymous visits cost no request.
import { accounts } from './api.js';
import { t } from './i18n/index.js';

const HINT = 'gru.account';

function hinted() {
  try { return localStorage.getItem(HINT) === '1'; } catch { return false; }
}

/** Remember (or forget) that this browser holds a session. */
export function rememberSignedIn(signedIn) {
  try {
    if (signedIn) localStorage.setItem(HINT, '1'); else localStorage.removeItem(HINT);
  } catch { /* storage disabled: the header link just says « Se connecter » */ }
}

let pending = null;

/**
 * The signed-in citizen `{ email, profile }`, or null. Asks the server when `force`
 * or when this browser signed in before; a 401 forgets the hint. Other failures give null.
 */
export function currentAccount({ force = false } = {}) {
  if (!force && !hinted()) return Promise.resolve(null);
  pending ??= accounts.me().then(
    (me) => { rememberSignedIn(true); paintLink(me); return me; },
    (err) => {
      if (err?.status === 401) { rememberSignedIn(false); paintLink(null); }
      if (force && err?.status !== 401) throw err;
      return null;
    },
  );
  return pending;
}

/** After signing in or out: the next currentAccount() asks again. */
export function forgetAccount() {
  pending = null;
}

/** The header link: « Mon compte » when signed in, « Se connecter » otherwise. */
export async function renderAccountLink() {
  paintLink(await currentAccount().catch(() => null));
}

function paintLink(me) {
  const link = typeof document === 'undefined' ? null : document.getElementById('account-link');
  if (!link) return;
  const href = me ? '/compte/' : '/compte/connexion.html';
  link.textContent = t(me ? 'account.myAccount' : 'account.signInLink');
  link.setAttribute('href', href);
  const here = location.pathname === href || (href === '/compte/' && location.pathname === '/compte/index.html');
  if (here) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
}
