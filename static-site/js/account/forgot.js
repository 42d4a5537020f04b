// compte/mot-de-passe-oublie.html: ask for a link to choose a new password.
import { accounts } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, initPage, setTitle, setState } from '../ui.js';
import { bindForm, replaceWith } from './common.js';

const city = await initPage();
setTitle(t('forgot.title'), city);

bindForm($('#forgot-form'), {
  send: ({ email }) => accounts.sendReset(email.trim()),
  done: (answer) => replaceWith(t('forgot.sentTitle'), 'success',
    el('p', { text: answer?.message || t('signin.linkSent') }),
    el('p', { text: t('forgot.sentHint') }),
    el('p', {}, el('a', { href: '/compte/connexion.html', text: t('account.backToSignIn') }))),
});

setState('ready');
