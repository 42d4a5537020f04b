// The birth-certificate request on `acte-etat-civil`, without an account: by keyboard alone
// from the service page to the tracking page, then again with axe-core on every state
// (each page, the error summary, the check page, the sent state, the tracking page) at 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, closePage, waitForState, focused, api, assertNoAxeViolations, emailedCode, freshEmail, overflow, CITY_TITLE,
} from './helpers.mjs';
import {
  SERVICE, birthCertificate, stepTitle, stepState, waitForStep, answerByKeyboard, answerDirectly,
  DOCUMENTS_STEP, CHECK_STEP, pdfFile, passDocuments, chooseByKeyboard,
} from './journey.mjs';

let browser;
let form;
let service;
let cityTitle;
before(async () => {
  browser = await launch();
  form = await api(`/api/catalogue/services/${SERVICE}/form`);
  service = await api(`/api/catalogue/services/${SERVICE}`);
  cityTitle = await CITY_TITLE();
});
after(() => browser?.close());

const titleOf = (id) => form.pages.find((p) => p.id === id).title;
const REFERENCE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

/** Tab until the focused element satisfies `match` (a description of it); returns it. */
async function tabTo(page, match, what, { max = 60, backwards = false } = {}) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (match(now)) return now;
  }
  throw new Error(`${what} not reached by ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

test('keyboard alone: a birth certificate without an account, from the service page to the tracking page', async () => {
  const email = freshEmail('clavier');
  const page = await openPage(browser, `/demarches/${SERVICE}/`, { state: 'ready' });
  try {
    await tabTo(page, (f) => f.text === 'Faire la demande en ligne', '« Faire la demande en ligne »');
    await Promise.all([page.waitForURL(/\/demarche\.html\?service=acte-etat-civil/), page.keyboard.press('Enter')]);
    await waitForState(page, 'ready');
    assert.equal(await stepTitle(page), titleOf('record'));
    // The count includes the pages answers still to come may open: it only ever shrinks,
    // and « Étape suivante » names the step « Continuer » leads to.
    const counts = [await stepState(page)];
    assert.match(counts[0], /^Étape 1 sur \d+$/);

    const steps = birthCertificate(email);
    for (const [index, [id, answers]] of steps.entries()) {
      // Read before « Continuer », not during the move to the next step.
      const announced = await answerByKeyboard(page, answers);
      const next = steps[index + 1];
      await waitForStep(page, next ? titleOf(next[0]) : DOCUMENTS_STEP);
      assert.equal(announced, next ? titleOf(next[0]) : DOCUMENTS_STEP, `after ${id}, « Étape suivante » named the step that came`);
      counts.push(await stepState(page));
      assert.equal((await focused(page)).tag, 'h1', 'focus moves to the new step\'s heading');
      if (id === 'record') {
        assert.match(page.url(), /#brouillon=[\w-]{22}$/, 'the draft id is in the address (its fragment) once saved');
      }
    }
    // The identity document: Tab to its file input, Space opens the chooser, then « Continuer ».
    await tabTo(page, (f) => f.id === 'doc-identity-file', 'the identity document\'s file input');
    await chooseByKeyboard(page, pdfFile('carte-identite.pdf'));
    await page.locator('#doc-identity .file-item').filter({ hasText: 'carte-identite.pdf' }).waitFor({ timeout: 15_000 });
    await tabTo(page, (f) => f.text === 'Continuer', '« Continuer »');
    await page.keyboard.press('Enter');
    await waitForStep(page, CHECK_STEP);
    assert.equal((await focused(page)).tag, 'h1');
    // The count now includes the pages the answers opened: five pages, the documents and the check page.
    assert.equal(await stepState(page), 'Étape 7 sur 7');
    const totals = counts.map((c) => Number(c.split(' sur ')[1]));
    assert.deepEqual(totals, [...totals].sort((a, b) => b - a), `the total never grows: ${counts.join(' → ')}`);
    assert.deepEqual(counts.map((c) => Number(/^Étape (\d+)/.exec(c)[1])), [1, 2, 3, 4, 5, 6], 'one step at a time');

    // Check page: every answer, then the email code.
    const main = await page.locator('main').innerText();
    for (const text of ['Acte de naissance', 'Martin', '15 mars 1990', '3 rue des Lilas', '41000 Belleval-sur-Loire', 'carte-identite.pdf']) {
      assert.ok(main.includes(text), `the check page shows « ${text} »`);
    }
    assert.equal(await page.getByRole('link', { name: /^Modifier/ }).count(), steps.length + 1, 'one « Modifier » per page and one for the documents');
    // The address given at « Vos coordonnées » is not asked again: it is already there.
    await tabTo(page, (f) => f.id === 'review-email', 'the email field');
    assert.equal(await page.locator('#review-email').inputValue(), email);
    const sendCode = await tabTo(page, (f) => f.tag === 'button', 'the « Recevoir un code » button');
    assert.equal(sendCode.text, 'Recevoir un code');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'review-code', null, { timeout: 10_000 });
    assert.match(await page.locator('[role="status"]').filter({ hasText: 'code' }).innerText(), new RegExp(email.replace(/[.]/g, '\\.')));
    await page.keyboard.type(await emailedCode(email));
    const submit = await tabTo(page, (f) => f.tag === 'button', '« Envoyer ma demande »');
    assert.equal(submit.text, 'Envoyer ma demande');
    await page.keyboard.press('Enter');

    // Sent: the reference in large, the address it went to, the tracking link.
    await page.waitForFunction(() => document.querySelector('.reference'), null, { timeout: 10_000 });
    assert.equal((await page.locator('h1').textContent()).trim(), 'Votre demande est envoyée');
    assert.equal((await focused(page)).tag, 'h1');
    const reference = (await page.locator('.reference').textContent()).trim();
    assert.match(reference, REFERENCE);
    assert.ok((await page.locator('main').innerText()).includes(email), 'the sent state names the address');
    assert.equal(await page.title(), `Votre demande est envoyée – ${service.title} – ${cityTitle}`);

    const link = await tabTo(page, (f) => f.text === 'Suivre ma demande', '« Suivre ma demande »');
    assert.match(link.href, /^\/suivi\.html#.{20,}$/);
    await Promise.all([page.waitForURL(/\/suivi\.html#/), page.keyboard.press('Enter')]);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), `Demande ${reference}`);
    const tracked = await page.locator('main').innerText();
    for (const text of [service.title, reference, 'Demande reçue', 'Vos réponses', 'Acte de naissance', 'carte-identite.pdf']) assert.ok(tracked.includes(text), `tracking shows « ${text} »`);
    assert.ok(await page.locator('ol.steps > li').count() >= 1, 'the steps of the instruction');
    assert.equal(await page.locator('ol.steps > li[aria-current="step"]').count(), 1, 'one current step, said in words');
  } finally {
    await closePage(page);
  }
});

test('axe: zero violations on every state of the journey, at 360 px without horizontal scrolling', async () => {
  const email = freshEmail('axe');
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { width: 360, state: 'ready', bypassCSP: true });
  const check = async (label) => {
    await assertNoAxeViolations(page, label);
    assert.ok(await overflow(page) <= 0, `${label}: no horizontal scrolling at 360 px`);
  };
  try {
    await check('first page');
    // Nothing answered: the error summary.
    await page.locator('.step-form button[type="submit"]').click();
    await page.waitForSelector('.error-summary');
    assert.match(await page.title(), /^Erreur\s:\s/);
    await check('error summary');

    const steps = birthCertificate(email);
    for (const [index, [, answers]] of steps.entries()) {
      await answerDirectly(page, answers);
      const next = steps[index + 1];
      await waitForStep(page, next ? titleOf(next[0]) : DOCUMENTS_STEP);
      await check(next ? `page ${next[0]}` : 'documents step');
    }
    await passDocuments(page);
    await check('check page');
    await page.locator('#review-email').fill(email);
    await page.getByRole('button', { name: 'Recevoir un code' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'review-code');
    await check('code sent');
    // A wrong code: the error is shown on the code field.
    await page.locator('#review-code').fill('000000');
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForSelector('.error-summary');
    assert.equal(await page.locator('#review-code').getAttribute('aria-invalid'), 'true');
    await check('wrong code');
    await page.locator('#review-code').fill(await emailedCode(email));
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForSelector('.reference');
    await check('sent');
    const href = await page.getByRole('link', { name: 'Suivre ma demande' }).getAttribute('href');
    // A reload of the sent state shows it again (the draft is gone, the receipt is kept for the tab).
    await page.reload();
    await waitForState(page, 'ready');
    assert.match(await page.locator('.reference').textContent(), REFERENCE);
    await page.goto(new URL(href, page.url()).href);
    await waitForState(page, 'ready');
    await check('tracking');
  } finally {
    await closePage(page);
  }
});

test('a reload and the emailed resume link both resume the draft where it was', async () => {
  const email = freshEmail('reprise');
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    const [first, second] = birthCertificate(email);
    await answerDirectly(page, first[1]);
    await waitForStep(page, titleOf(second[0]));
    const draft = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('brouillon');
    assert.ok(draft, 'the draft id is in the address');
    await page.reload();
    await waitForState(page, 'ready');
    assert.equal(await stepTitle(page), titleOf(second[0]), 'a reload stays on the step');
    // The resume link of the code email has no step: the draft's saved page is used.
    await page.goto(`${new URL(page.url()).origin}/demarche.html?service=${SERVICE}#brouillon=${draft}`);
    await waitForState(page, 'ready');
    assert.equal(await stepTitle(page), titleOf(second[0]));
    // « Étape précédente » goes back with the answers kept.
    await page.getByRole('button', { name: 'Étape précédente' }).click();
    await page.waitForFunction((t) => document.querySelector('h1 .stepper-title')?.textContent === t, titleOf(first[0]));
    assert.equal(await page.locator('input[value="birth"]').isChecked(), true);
    // An unknown draft: a clear message and a way to start again.
    await page.goto(`${new URL(page.url()).origin}/demarche.html?service=${SERVICE}#brouillon=AAAAAAAAAAAAAAAAAAAAAA`);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), 'Demande introuvable');
    assert.equal(await page.getByRole('link', { name: 'Recommencer la démarche' }).getAttribute('href'), `/demarche.html?service=${SERVICE}`);
  } finally {
    await closePage(page);
  }
});

test('fields appear and disappear as answers change; the documents to prepare follow', async () => {
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    const copyKind = page.locator('[data-field="copy_kind"]');
    assert.equal(await copyKind.isVisible(), true);
    await page.locator('input[name="f-record_kind"][value="death"]').check();
    assert.equal(await copyKind.isVisible(), false, 'no form to choose for a death certificate');
    const deathCount = await stepState(page);
    await page.locator('input[name="f-record_kind"][value="birth"]').check();
    assert.equal(await copyKind.isVisible(), true);
    await page.locator('input[name="f-copy_kind"][value="full"]').check();
    assert.notEqual(await stepState(page), deathCount, 'the step count follows the visible pages');
    assert.equal(await page.locator('.documents-needed h2').textContent(), 'Pièces justificatives à prévoir');
    const none = await page.locator('.documents-needed').innerText();
    assert.match(none, /aucune pièce justificative/);
    await answerDirectly(page, {});
    await waitForStep(page, titleOf('link'));
    await page.locator('input[name="f-relation"][value="parent"]').check();
    const docs = await page.locator('.documents-needed h3').allTextContents();
    assert.deepEqual(docs, form.documents.filter((d) => ['identity', 'relation_proof'].includes(d.id)).map((d) => d.title));
  } finally {
    await closePage(page);
  }
});

test('« Modifier » comes back to the check page; a 422 goes to the page at fault; a retry reuses its Idempotency-Key', async () => {
  const email = freshEmail('reprises');
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    const steps = birthCertificate(email);
    for (const [index, [, answers]] of steps.entries()) {
      await answerDirectly(page, answers);
      const next = steps[index + 1];
      await waitForStep(page, next ? titleOf(next[0]) : DOCUMENTS_STEP);
    }
    await passDocuments(page);
    // « Modifier » on the first page, then « Continuer »: straight back to the check page.
    const edit = page.getByRole('link', { name: `Modifier « ${titleOf('record')} »` });
    assert.match(await edit.getAttribute('href'), /etape=record&retour=verification#brouillon=[\w-]{22}$/);
    await edit.click();
    await waitForStep(page, titleOf('record'));
    assert.equal(await page.locator('input[value="full"]').isChecked(), true, 'the answers are there');
    await page.locator('.step-form button[type="submit"]').click();
    await waitForStep(page, 'Vérifiez votre demande');

    await page.locator('#review-email').fill(email);
    await page.getByRole('button', { name: 'Recevoir un code' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'review-code');
    const code = await emailedCode(email);

    // The server finds an answer at fault: the page holding it, with its error summary.
    const keys = [];
    let calls = 0;
    await page.route((url) => /\/api\/submissions\/drafts\/[\w-]+\/submit$/.test(url.pathname), async (route) => {
      calls += 1;
      keys.push(route.request().headers()['idempotency-key']);
      if (calls === 1) {
        return route.fulfill({
          status: 422, contentType: 'application/problem+json',
          json: { type: 'urn:gru:problem:invalid-answers', title: 'Réponses à corriger', status: 422, detail: '…',
            errors: [{ field: 'person_last_name', message: 'Saisissez au plus 100 caractères.' }] },
        });
      }
      if (calls === 2) return route.abort('connectionreset');
      return route.continue();
    });
    await page.locator('#review-code').fill(code);
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.equal(await stepTitle(page), titleOf('person'));
    assert.match((await page.locator('.error-summary a').textContent()).replace(/\s+/g, ' '), /Nom de famille .* : Saisissez au plus 100 caractères\./);
    await page.locator('.error-summary a').click();
    assert.equal((await focused(page)).id, 'f-person_last_name');
    await page.locator('.step-form button[type="submit"]').click();
    await waitForStep(page, 'Vérifiez votre demande');

    // A failed network call: the error is said, the button comes back, the retry sends the same key.
    await page.locator('#review-code').fill(code);
    const send = page.getByRole('button', { name: 'Envoyer ma demande' });
    await send.click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.match(await page.locator('.error-summary').innerText(), /connexion au serveur a échoué/);
    assert.equal(await send.isDisabled(), false);
    await send.click();
    await page.waitForSelector('.reference');
    assert.equal(keys.length, 3);
    assert.notEqual(keys[0], keys[1], 'a new check page makes a new key');
    assert.equal(keys[1], keys[2], 'the retry reuses its key');
    assert.match(keys[2], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  } finally {
    await closePage(page);
  }
});
