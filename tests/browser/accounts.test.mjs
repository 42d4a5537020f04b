// Accounts: sign-up → the verification link from the outbox → the dashboard; profile,
// prefilled forms and a request without code; drafts to resume; sign-out, the 401 redirect,
// sign-in by password, by emailed link, and a password reset. axe-core on every state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, closePage, waitForState, assertNoAxeViolations, emailedLink, freshEmail, api, overflow,
} from './helpers.mjs';
import { SERVICE, birthCertificate, waitForStep, answerDirectly, DOCUMENTS_STEP, passDocuments } from './journey.mjs';

const PASSWORD = 'une phrase de passe assez longue';
let browser;
let form;
before(async () => {
  browser = await launch();
  form = await api(`/api/catalogue/services/${SERVICE}/form`);
});
after(() => browser?.close());

const titleOf = (id) => form.pages.find((p) => p.id === id).title;

async function axe(page, label) {
  await assertNoAxeViolations(page, label);
  assert.ok(await overflow(page) <= 0, `${label}: no horizontal scrolling`);
}

/** Open a path in the same page (same cookies) and wait until it is done. */
async function go(page, path, state) {
  await page.goto(new URL(path, page.url()).href);
  return waitForState(page, state);
}

/** Sign up with a fresh address and follow the emailed link; the page ends on the dashboard. */
async function signUp(page, email, { check = false } = {}) {
  await go(page, '/compte/inscription.html', 'ready');
  if (check) await axe(page, 'inscription');
  await page.getByLabel('Prénom et nom').fill('Léa Martin');
  await page.getByLabel('Adresse électronique').fill(email);
  await page.locator('#signup-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await page.getByText('Consultez votre messagerie').waitFor();
  if (check) await axe(page, 'inscription envoyée');
  const link = await emailedLink(email, /Confirmez votre adresse/, /^\/compte\/verifier\.html$/);
  await page.goto(new URL(link, page.url()).href);
  await page.waitForURL(/\/compte\/(\?|$)/);
  await waitForState(page, 'ready');
}

test('sign-up, the verification link from the outbox, then the dashboard; profile and sign-out', async () => {
  const email = freshEmail('inscription');
  const page = await openPage(browser, '/', { width: 360, state: 'ready', bypassCSP: true });
  try {
    assert.equal(await page.locator('#account-link').textContent(), 'Se connecter');
    await signUp(page, email, { check: true });
    assert.equal(await page.locator('h1').textContent(), 'Mon compte');
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('Votre compte est créé'), 'a welcome message');
    assert.ok(main.includes(email), 'the address of the account');
    assert.ok(main.includes("Vous n'avez encore envoyé aucune demande."));
    assert.equal(await page.locator('#account-link').textContent(), 'Mon compte');
    assert.equal(await page.locator('#account-link').getAttribute('aria-current'), 'page');
    assert.equal(await page.getByLabel('Prénom et nom').inputValue(), 'Léa Martin', 'the name given at sign-up');
    await axe(page, 'tableau de bord');

    // Profile: a wrong postcode is refused with its error summary, then saved.
    await page.getByLabel('Téléphone').fill('06 12 34 56 78');
    await page.getByLabel('Numéro et voie').fill('3 rue des Lilas');
    await page.getByLabel('Code postal').fill('410');
    await page.getByLabel('Commune').fill('Belleval-sur-Loire');
    await page.getByRole('button', { name: 'Enregistrer mes informations' }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.match(await page.locator('.error-summary').innerText(), /Code postal/);
    await axe(page, 'profil en erreur');
    await page.locator('.error-summary a').first().click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'profile-postcode');
    await page.getByLabel('Code postal').fill('41000');
    await page.getByRole('button', { name: 'Enregistrer mes informations' }).click();
    await page.getByText('Vos informations sont enregistrées.').waitFor();
    assert.equal(await page.locator('.error-summary').count(), 0);

    // Sign out: back to the sign-in page; the dashboard then asks to sign in and comes back.
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.waitForURL(/\/compte\/connexion\.html\?deconnecte/);
    await waitForState(page, 'ready');
    assert.ok((await page.locator('main').innerText()).includes('Vous êtes déconnecté.'));
    assert.equal(await page.locator('#account-link').textContent(), 'Se connecter');
    await axe(page, 'connexion après déconnexion');
    await page.goto(new URL('/compte/', page.url()).href);
    await page.waitForURL(/\/compte\/connexion\.html\?retour=%2Fcompte%2F/);
    await waitForState(page, 'ready');
    // A wrong password first.
    await page.locator('#signin-email').fill(email);
    await page.locator('#signin-password').fill('pas le bon mot de passe');
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForSelector('.error-summary');
    assert.match(await page.locator('.error-summary').innerText(), /incorrect/);
    await axe(page, 'connexion refusée');
    await page.locator('#signin-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForURL(/\/compte\/$/);
    await waitForState(page, 'ready');
    assert.equal(await page.getByLabel('Code postal').inputValue(), '41000', 'the profile was saved');
  } finally {
    await closePage(page);
  }
});

test('signed in: the form is prefilled, needs no code, and the request and drafts show on the dashboard', async () => {
  const email = freshEmail('compte');
  const page = await openPage(browser, '/', { state: 'ready', bypassCSP: true });
  try {
    await signUp(page, email);
    await page.getByLabel('Numéro et voie').fill('8 allée des Cerisiers');
    await page.getByLabel('Code postal').fill('41000');
    await page.getByLabel('Commune').fill('Belleval-sur-Loire');
    await page.getByRole('button', { name: 'Enregistrer mes informations' }).click();
    await page.getByText('Vos informations sont enregistrées.').waitFor();

    await go(page, `/demarche.html?service=${SERVICE}`, 'ready');
    assert.equal(await page.locator('#account-hint').count(), 0, 'no « connectez-vous » hint when signed in');
    const steps = birthCertificate(email);
    for (const [index, [id, answers]] of steps.entries()) {
      if (id === 'requester') {
        assert.equal(await page.locator('#f-requester_email').inputValue(), email, 'the email is prefilled');
        await answerDirectly(page, {});
      } else if (id === 'delivery') {
        assert.equal(await page.locator('#f-postal_address-street').inputValue(), '8 allée des Cerisiers', 'the address is prefilled');
        await answerDirectly(page, { copies: '2' });
      } else {
        await answerDirectly(page, answers);
      }
      const next = steps[index + 1];
      await waitForStep(page, next ? titleOf(next[0]) : DOCUMENTS_STEP);
    }
    await passDocuments(page, { name: 'passeport.pdf' });
    assert.equal(await page.locator('#review-code').count(), 0, 'no code with an account');
    assert.ok((await page.locator('main').innerText()).includes(email));
    await axe(page, 'vérification avec compte');
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForSelector('.reference');
    const reference = (await page.locator('.reference').textContent()).trim();

    // A second request left after its first page: a draft to resume.
    await go(page, `/demarche.html?service=${SERVICE}`, 'ready');
    await answerDirectly(page, steps[0][1]);
    await waitForStep(page, titleOf('link'));

    await go(page, '/compte/', 'ready');
    const requests = await page.locator('#requests-list').innerText();
    assert.ok(requests.includes(reference), `the request ${reference} is listed`);
    assert.ok(requests.includes('Demande reçue'));
    const resume = page.getByRole('link', { name: /^Reprendre/ });
    assert.equal(await resume.count(), 1, 'one draft to resume');
    await axe(page, 'tableau de bord avec demandes');
    await resume.click();
    await page.waitForURL(/\/demarche\.html\?service=acte-etat-civil(&[^#]*)?#brouillon=/);
    await waitForState(page, 'ready');
    await page.waitForFunction((t) => document.querySelector('h1 .stepper-title')?.textContent === t, titleOf('link'));

    // The request's follow-up page, reached from the dashboard.
    await go(page, '/compte/', 'ready');
    await page.getByRole('link', { name: `Suivre cette demande ${reference}` }).click();
    await page.waitForURL(/\/suivi\.html\?reference=/);
    await waitForState(page, 'ready');
    assert.ok((await page.locator('h1').innerText()).includes(reference));
    assert.ok((await page.locator('main').innerText()).includes('Demande reçue'));
    // Its file, downloaded signed in (by reference).
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 10_000 }),
      page.getByRole('button', { name: 'Télécharger « passeport.pdf »' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'passeport.pdf');
    await axe(page, 'suivi depuis le compte');

    await go(page, '/compte/', 'ready');
    await page.getByRole('button', { name: 'Se déconnecter de tous les appareils' }).click();
    await page.waitForURL(/\/compte\/connexion\.html/);
  } finally {
    await closePage(page);
  }
});

test('sign-in by emailed link, and a password reset that ends the other sessions', async () => {
  const email = freshEmail('lien');
  const page = await openPage(browser, '/', { state: 'ready', bypassCSP: true });
  const other = await browser.newContext();
  try {
    await signUp(page, email);
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.waitForURL(/connexion\.html/);
    await waitForState(page, 'ready');

    await page.locator('#link-email').fill(email);
    await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
    await page.getByText('Le lien est valable 15 minutes.').waitFor();
    await axe(page, 'lien de connexion demandé');
    const link = await emailedLink(email, /lien de connexion/, /^\/compte\/lien\.html$/);
    await page.goto(new URL(link, page.url()).href);
    await page.waitForURL(/\/compte\/$/);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), 'Mon compte');
    // The link works once.
    const again = await other.newPage();
    await again.goto(new URL(link, page.url()).href);
    await again.waitForSelector('html[data-state="error"]');
    assert.equal(await again.locator('h1').textContent(), 'Lien non valable');

    // Forgotten password: the reset link, a new password, signed in again.
    await go(page, '/compte/mot-de-passe-oublie.html', 'ready');
    await page.getByLabel('Adresse électronique').fill(email);
    await page.getByRole('button', { name: 'Recevoir un lien' }).click();
    await page.getByText('Consultez votre messagerie').waitFor();
    await axe(page, 'mot de passe oublié, envoyé');
    const reset = await emailedLink(email, /nouveau mot de passe/, /^\/compte\/nouveau-mot-de-passe\.html$/);
    await go(page, reset, 'ready');
    await axe(page, 'nouveau mot de passe');
    await page.getByLabel('Nouveau mot de passe').fill('court');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await page.waitForSelector('.error-summary');
    assert.match(await page.locator('.error-summary').innerText(), /Choisissez un mot de passe d'au moins 10 caractères \(celui-ci en a \d+\)/, 'what to do, not a rule');
    await page.getByLabel('Nouveau mot de passe').fill('un tout nouveau mot de passe');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await page.waitForURL(/\/compte\/\?mot-de-passe/);
    await waitForState(page, 'ready');
    assert.ok((await page.locator('main').innerText()).includes('Votre nouveau mot de passe est enregistré.'));
  } finally {
    await other.close();
    await closePage(page);
  }
});

test('after sign-in, ?retour= only ever leads to a page of this site', async () => {
  const page = await openPage(browser, '/compte/connexion.html', { state: 'ready' });
  try {
    const results = await page.evaluate(async () => {
      // The module under its hashed name, as the page preloads it.
      const { safeReturn } = await import(document.querySelector('link[rel="modulepreload"][href^="/js/ui."]').href);
      return ['/demarche.html?service=x#y', '//exemple.org/', '/\t/exemple.org/', '/\\exemple.org', 'https://exemple.org/', 'javascript:alert(1)', '', null]
        .map((value) => safeReturn(value));
    });
    assert.deepEqual(results, ['/demarche.html?service=x#y', '/compte/', '/compte/', '/compte/', '/compte/', '/compte/', '/compte/', '/compte/']);
  } finally {
    await closePage(page);
  }
});
