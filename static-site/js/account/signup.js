// compte/inscription.html: create an account; the email holds the link that confirms it.
import { accounts } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, initPage, setTitle, setState } from '../ui.js';
import { bindForm, passwordToggles, replaceWith } from './common.js';

const city = await initPage();
setTitle(t('signup.title'), city);
passwordToggles();

bindForm($('#signup-form'), {
  send: ({ name, email, password }) => accounts.signup({ email: email.trim(), password, ...(name.trim() ? { name: name.trim() } : {}) }),
  done: (answer) => {
    setTitle(t('signup.sentTitle'), city);
    replaceWith(t('signup.sentTitle'), 'success',
      el('p', { text: answer?.message || t('signup.sent') }),
      el('p', { text: t('signup.sentHint') }));
  },
});

setState('ready');
