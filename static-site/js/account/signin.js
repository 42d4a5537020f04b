// compte/connexion.html: sign in with a password, or ask for a sign-in link by email.
import { accounts } from '../api.js';
import { t } from '../i18n/index.js';
import { $, initPage, setTitle, setState, callout } from '../ui.js';
import { bindForm, signedIn, passwordToggles } from './common.js';

const city = await initPage();
setTitle(t('signin.title'), city);
passwordToggles();

const query = new URLSearchParams(location.search);
if (query.has('deconnecte')) $('#page-status').replaceChildren(callout('success', t('signin.signedOut')));
else if (query.has('retour')) $('#page-status').replaceChildren(callout('info', t('signin.needed')));

bindForm($('#signin-form'), {
  send: ({ email, password }) => accounts.signin(email.trim(), password),
  done: () => signedIn(),
});

bindForm($('#link-form'), {
  send: ({ email }) => accounts.sendLink(email.trim()),
  done: (answer) => {
    $('#link-status').textContent = `${answer?.message || t('signin.linkSent')} ${t('signin.linkValidity')}`;
  },
});

setState('ready');
