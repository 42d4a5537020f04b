// The pages an emailed link opens (verifier.html, lien.html): use the token once, then go on.
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, initPage, setTitle, setState, failureMessage } from '../ui.js';
import { linkToken, signedIn, replaceWith } from './common.js';

/**
 * titleKey: the page's title; use(token): the API call; next: where to go once signed in.
 */
export async function openLink({ titleKey, use, next }) {
  const city = await initPage();
  setTitle(t(titleKey), city);
  const token = linkToken();
  const links = el('ul', { class: 'inline-links' },
    el('li', {}, el('a', { href: '/compte/connexion.html', text: t('signin.title') })),
    el('li', {}, el('a', { href: '/compte/inscription.html', text: t('signin.signupLink') })));
  if (!token) {
    replaceWith(t('link.missing'), 'info', el('p', { text: t('link.missingHint') }), links);
    setState('ready');
    return;
  }
  try {
    await use(token);
    // The token is spent: it leaves the address bar (and the history) before moving on.
    history.replaceState(null, '', location.pathname);
    signedIn(next);
  } catch (err) {
    setTitle(t('link.invalidTitle'), city);
    $('#page-title').textContent = t('link.invalidTitle');
    replaceWith(failureMessage(err), 'error', el('p', { text: t('link.missingHint') }), links);
    setState('error');
  }
}
