// What the account pages share: sending a form with its errors shown the accessible way,
// the token of an emailed link (kept in the fragment, never sent in a URL), going back
// where the citizen was after signing in, and « Afficher le mot de passe ».
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, failureMessage, focusOn, safeReturn, whileBusy, callout, fragment } from '../ui.js';
import { showErrors, clearErrors } from '../form/errors.js';
import { rememberSignedIn, forgetAccount } from '../session.js';

/** The form's values by input name; dotted names nest (`address.street`). */
export function formValues(form) {
  const values = {};
  for (const input of form.querySelectorAll('input[name], textarea[name], select[name]')) {
    const path = input.name.split('.');
    let target = values;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {});
    target[path.at(-1)] = input.value;
  }
  return values;
}

/**
 * On submit: clear the errors, call send(values); on success call done(answer), on failure
 * show the field errors and the summary (focused). The submit button is busy meanwhile.
 */
export function bindForm(form, { send, done }) {
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(button, async () => {
      clearErrors(form);
      let answer;
      try {
        answer = await send(formValues(form));
      } catch (err) {
        const errors = err?.errors || [];
        showErrors(form, errors, { other: errors.length > 0 ? [] : [failureMessage(err)] });
        return;
      }
      await done(answer);
    });
  });
}

/** The token of an emailed link: the address's fragment. */
export const linkToken = () => fragment();

/** Where to go after signing in: ?retour=… when it is a path of this site, else the dashboard. */
export const returnPath = () => safeReturn(new URLSearchParams(location.search).get('retour'));

/** The session cookie is set: remember it and go on. */
export function signedIn(to = returnPath()) {
  rememberSignedIn(true);
  forgetAccount();
  location.assign(to);
}

/** Replace the page content with a message (focused, so it is read at once). */
export function replaceWith(title, kind, ...body) {
  const box = callout(kind, title, ...body);
  $('#page-content').replaceChildren(box);
  focusOn(box);
  return box;
}

/** « Afficher le mot de passe » after every password input marked data-password-toggle. */
export function passwordToggles(root = document) {
  for (const input of root.querySelectorAll('input[data-password-toggle]')) {
    const button = el('button', {
      type: 'button', class: 'button button-secondary button-small password-toggle',
      'aria-pressed': 'false', 'aria-controls': input.id, text: t('account.showPassword'),
    });
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(show));
    });
    input.after(button);
  }
}

export { clearErrors, showErrors };
