// admin/: an agent signs in with email, password and the 6-digit code of their
// authenticator app (TOTP). Every failure reads the same (the server never says which
// part was wrong); errors go in a summary that takes focus.
import { t } from '../i18n/index.js';
import { $, setState, callout, failureMessage, whileBusy } from '../ui.js';
import { showErrors, clearErrors, passwordToggles, formValues } from '../account/common.js';
import { agents } from './api.js';
import { adminError, initAdmin, adminTitle, returnPath } from './shell.js';

/** The fields' own mistakes, found before asking the server. */
function check({ email, password, code }) {
  const errors = [];
  if (!email.trim()) errors.push({ field: 'email', message: t('admin.signin.emailMissing') });
  else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) errors.push({ field: 'email', message: t('admin.signin.emailInvalid') });
  if (!password) errors.push({ field: 'password', message: t('admin.signin.passwordMissing') });
  if (!code.trim()) errors.push({ field: 'code', message: t('admin.signin.codeMissing') });
  else if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) errors.push({ field: 'code', message: t('admin.signin.codeInvalid') });
  return errors;
}

try {
  const { city } = await initAdmin({ public: true });
  adminTitle(t('admin.signin.title'), city);
  passwordToggles();
  const query = new URLSearchParams(location.search);
  if (query.has('deconnecte')) $('#page-status').replaceChildren(callout('success', t('admin.signin.signedOut')));
  else if (query.has('retour')) $('#page-status').replaceChildren(callout('info', t('admin.signin.needed')));
  else if (await agents.me().then(() => true, () => false)) location.replace(returnPath());

  const form = $('#signin-form');
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(button, async () => {
      clearErrors(form);
      const values = formValues(form);
      const mistakes = check(values);
      if (mistakes.length > 0) {
        showErrors(form, mistakes);
        adminTitle(t('errors.titlePrefix', { title: t('admin.signin.title') }), city);
        return;
      }
      try {
        await agents.signin(values.email.trim(), values.password, values.code.replace(/\s/g, ''));
      } catch (err) {
        const errors = err.status === 400 || err.status === 422 ? err.errors : [];
        const message = err.kind === 'invalid-credentials' ? (err.detail || t('admin.signin.refused')) : failureMessage(err);
        showErrors(form, errors, { other: errors.length > 0 ? [] : [message] });
        adminTitle(t('errors.titlePrefix', { title: t('admin.signin.title') }), city);
        // A code is good once: the next try needs the next one.
        form.elements.code.value = '';
        return;
      }
      location.assign(returnPath());
    });
  });
  setState('ready');
} catch (err) {
  adminError(err, err.city);
}
