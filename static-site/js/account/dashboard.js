// compte/index.html: the signed-in citizen's requests, appointments and unfinished drafts, profile,
// password and sign-out. Without a session: to the sign-in page, coming back here after.
import { accounts, submissions } from '../api.js';
import { t } from '../i18n/index.js';
import { el } from '../text.js';
import { $, initPage, setTitle, setState, callout, formatDate, showError, whileBusy, failureMessage } from '../ui.js';
import { currentAccount, rememberSignedIn, forgetAccount } from '../session.js';
import { bindForm, passwordToggles, clearErrors } from './common.js';
import { renderAppointments } from './appointments.js';

const cityReady = initPage();

function toSignIn() {
  rememberSignedIn(false);
  location.replace(`/compte/connexion.html?retour=${encodeURIComponent(location.pathname + location.search)}`);
}

/** A path of this site for a link the API built with its public address. */
function localHref(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.pathname + parsed.search + parsed.hash;
  } catch {
    return '/';
  }
}

function requestCard(request) {
  return el('li', { class: 'card card-static' },
    el('h3', { class: 'card-title' }, request.service_title || request.service),
    el('dl', { class: 'card-facts' },
      el('div', {}, el('dt', { text: t('tracking.reference') }), el('dd', { class: 'reference-inline', text: request.reference })),
      el('div', {}, el('dt', { text: t('tracking.submittedAt') }), el('dd', { text: formatDate(request.submitted_at) })),
      el('div', {}, el('dt', { text: t('tracking.status') }), el('dd', {}, el('strong', { text: request.phase_label || request.phase }))),
      request.channel && request.channel !== 'online' && el('div', {},
        el('dt', { text: t('tracking.channel') }), el('dd', { text: t(`channel.${request.channel}`) }))),
    el('p', {}, el('a', { href: `/suivi.html?reference=${encodeURIComponent(request.reference)}` },
      t('dashboard.follow'), el('span', { class: 'sr-only', text: ` ${t('dashboard.followContext', { reference: request.reference })}` }))));
}

function draftCard(draft) {
  return el('li', { class: 'card card-static' },
    el('h3', { class: 'card-title', text: draft.service_title || draft.service }),
    el('p', { text: t('dashboard.draftUpdated', { date: formatDate(draft.updated_at) }) }),
    el('p', { text: t('dashboard.draftPurge', { date: formatDate(draft.purge_at) }) }),
    el('p', {}, el('a', { class: 'button button-small', href: localHref(draft.resume_url) },
      t('dashboard.resume'), el('span', { class: 'sr-only', text: ` ${t('dashboard.resumeContext', { title: draft.service_title || draft.service })}` }))));
}

function renderLists(mine) {
  const requests = mine.requests || [];
  const drafts = mine.drafts || [];
  $('#requests-list').replaceChildren(requests.length === 0
    ? el('p', {}, t('dashboard.noRequests'), ' ', el('a', { href: '/', text: t('dashboard.findService') }), '.')
    : el('ul', { class: 'card-list' }, requests.map(requestCard)));
  $('#drafts-list').replaceChildren(drafts.length === 0
    ? el('p', { text: t('dashboard.noDrafts') })
    : el('ul', { class: 'card-list' }, drafts.map(draftCard)));
}

function fillProfile(profile = {}) {
  const address = profile.address || {};
  $('#profile-name').value = profile.name || '';
  $('#profile-phone').value = profile.phone || '';
  $('#profile-street').value = address.street || '';
  $('#profile-complement').value = address.complement || '';
  $('#profile-postcode').value = address.postcode || '';
  $('#profile-city').value = address.city || '';
}

async function signOut(button, everywhere) {
  await whileBusy(button, async () => {
    try {
      await (everywhere ? accounts.signoutEverywhere() : accounts.signout());
    } catch (err) {
      if (err.status !== 401) {
        $('#page-status').replaceChildren(callout('error', failureMessage(err)));
        $('#page-status').firstChild.setAttribute('role', 'alert');
        return;
      }
    }
    rememberSignedIn(false);
    forgetAccount();
    location.assign('/compte/connexion.html?deconnecte');
  });
}

try {
  const [city, me, mine] = await Promise.all([cityReady, currentAccount({ force: true }), submissions.mine().catch((err) => err)]);
  if (!me || mine?.status === 401) {
    toSignIn();
  } else {
    if (mine instanceof Error) throw mine;
    setTitle(t('account.myAccount'), city);
    $('#signed-in-as').textContent = t('dashboard.signedInAs', { email: me.email });
    const query = new URLSearchParams(location.search);
    if (query.has('bienvenue')) $('#page-status').replaceChildren(callout('success', t('dashboard.welcome')));
    else if (query.has('mot-de-passe')) $('#page-status').replaceChildren(callout('success', t('dashboard.passwordReset')));
    renderLists(mine);
    await renderAppointments();
    fillProfile(me.profile);
    passwordToggles();

    bindForm($('#profile-form'), {
      send: ({ name, phone, address }) => accounts.updateProfile({ name, phone, address }),
      done: (profile) => {
        fillProfile(profile);
        $('#profile-status').textContent = t('dashboard.profileSaved');
      },
    });
    const passwordForm = $('#password-form');
    bindForm(passwordForm, {
      send: ({ current, password }) => accounts.changePassword(current, password),
      done: () => {
        passwordForm.reset();
        clearErrors(passwordForm);
        $('#password-status').textContent = t('dashboard.passwordChanged');
      },
    });
    for (const id of ['profile-form', 'password-form']) {
      $(`#${id}`).addEventListener('input', () => { $(`#${id.replace('-form', '-status')}`).textContent = ''; });
    }
    $('#signout').addEventListener('click', (event) => signOut(event.currentTarget, false));
    $('#signout-all').addEventListener('click', (event) => signOut(event.currentTarget, true));
    $('#page-content').hidden = false;
    setState('ready');
  }
} catch (err) {
  if (err?.status === 401) toSignIn();
  else showError(err, await cityReady);
}
