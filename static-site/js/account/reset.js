// compte/nouveau-mot-de-passe.html#<token>: choose a new password from the emailed link.
import { accounts } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, initPage, setTitle, setState } from '../ui.js';
import { bindForm, linkToken, passwordToggles, replaceWith, signedIn } from './common.js';

const city = await initPage();
setTitle(t('reset.title'), city);
const token = linkToken();
const form = $('#reset-form');

if (!token) {
  replaceWith(t('link.missing'), 'info', el('p', { text: t('reset.missingHint') }),
    el('p', {}, el('a', { href: '/compte/mot-de-passe-oublie.html', text: t('reset.askAgain') })));
} else {
  form.hidden = false;
  passwordToggles();
  bindForm(form, {
    send: ({ password }) => accounts.confirmReset(token, password),
    done: () => {
      history.replaceState(null, '', location.pathname);
      signedIn('/compte/?mot-de-passe');
    },
  });
}
setState('ready');
