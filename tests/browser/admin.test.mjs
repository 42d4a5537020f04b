// The agents' pages under /admin/: sign-in with a TOTP code (a wrong one first), the inbox
// filtered by keyboard, a request's detail (take it, change its status, a conflict with a
// colleague who acted first), the thread (markup and script shown as text on the agents'
// page and on the citizen's follow-up page, an internal note marked « Note interne » and
// never shown to the citizen, « Demander un complément »). axe-core on every page and state
// at 1280 and 360 px.
//
// The first admin comes from `portal agent create` on the running portal's data directory
// (PORTAL_DATA_DIR, else target/browser-test-data as `cargo xtask test` uses), the agents
// from that admin through the API. A TOTP code serves once: each agent signs in once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, closePage, waitForState, assertNoAxeViolations, overflow, focused, BASE, CITY_TITLE, freshEmail,
} from './helpers.mjs';
import { SERVICE, birthCertificate, fillAnswers, pdfFile, pdfBytes } from './journey.mjs';
import { createAgentByCli, AgentSession, submitRequest, citizenAccount, totp, wrongCode } from './admin-helpers.mjs';

let browser;
let cityTitle;
let admin;
let agent;
let supervisor;
/** The supervisor's credentials, for their own browser sign-in (one code later than node's). */
let boss;
let request;
/** A second request, for « Demander un complément » from its first status. */
let second;
/** Agent's browser context, signed in by the first test. */
let agentContext;

before(async () => {
  browser = await launch();
  cityTitle = await CITY_TITLE();
  const cliAdmin = await createAgentByCli({ name: 'Alice Admin' });
  admin = await AgentSession.signIn(cliAdmin);
  agent = await admin.createAgent({ name: 'Bruno Agent', role: 'agent', services: [SERVICE] });
  boss = await admin.createAgent({ name: 'Chloé Responsable', role: 'supervisor' });
  supervisor = await AgentSession.signIn(boss);
  [request, second] = [await submitRequest(), await submitRequest()];
});
after(async () => {
  await agentContext?.close();
  await browser?.close();
});

/** A fresh browser context (CSP bypassed for axe, French, reduced motion); JavaScript errors fail the test. */
async function newContext(width = 1280) {
  return browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', reducedMotion: 'reduce', bypassCSP: true });
}

async function open(context, path, state = 'ready') {
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (err) => page.jsErrors.push(err.message));
  const response = await page.goto(BASE + path);
  assert.equal(response.status(), 200, `GET ${path}`);
  await waitForState(page, state);
  return page;
}

/** axe at 1280 and 360 px, no sideways scrolling, then back to 1280. */
async function axeBoth(page, label) {
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await assertNoAxeViolations(page, `${label} at ${width}px`);
    assert.ok(await overflow(page) <= 0, `${label} at ${width}px: no horizontal scrolling`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function structure(page, title) {
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.equal(await page.title(), `${title} – Espace agents – ${cityTitle}`);
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  for (const landmark of ['body > header', 'main#contenu', 'body > footer']) assert.equal(await page.locator(landmark).count(), 1, landmark);
  const first = await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])').getAttribute('href'));
  assert.equal(first, '#contenu', 'the skip link comes first');
}

/** Press Tab until the focused element matches `selector` (at most 60 stops, each visible). */
async function tabTo(page, selector, key = 'Tab') {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press(key);
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`${selector} not reached with ${key}`);
}

const statusLine = (page) => page.locator('#admin-status');
const waitForStatus = (page, text) => page.waitForFunction(
  (expected) => document.querySelector('#admin-status')?.textContent.includes(expected), text, { timeout: 10_000 });

test('admin pages without a session lead to the sign-in page, which has no axe violations', async () => {
  const context = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/admin/boite.html?phase=submitted`);
    await page.waitForURL(/\/admin\/\?retour=/);
    await waitForState(page, 'ready');
    assert.equal(new URL(page.url()).searchParams.get('retour'), '/admin/boite.html?phase=submitted');
    await structure(page, "Connexion à l'espace agents");
    assert.match(await page.locator('#page-status').innerText(), /Connectez-vous/);
    await axeBoth(page, 'connexion agents');
  } finally {
    await context.close();
  }
});

test('an agent signs in with a TOTP code: a wrong code is refused in the error summary, the right one opens the inbox', async () => {
  agentContext = await newContext();
  const page = await open(agentContext, '/admin/');
  await structure(page, "Connexion à l'espace agents");

  // Nothing typed: the summary names each field, each link leads to its field.
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  const summary = page.locator('.error-summary');
  assert.match(await summary.innerText(), /Corrigez les erreurs suivantes/);
  assert.equal(await summary.locator('a').count(), 3);
  assert.match(await page.title(), /^Erreur\u00a0: Connexion/);
  await summary.locator('a').last().click();
  assert.equal((await focused(page)).id, 'signin-code');
  assert.equal(await page.locator('#signin-code').getAttribute('aria-invalid'), 'true');
  await axeBoth(page, 'connexion agents, champs manquants');

  // A wrong code: the one answer for every failure, the code emptied for the next try.
  await page.getByLabel('Adresse électronique').fill(agent.email);
  await page.locator('#signin-password').fill(agent.password);
  await page.getByLabel('Code de vérification').fill(wrongCode(agent.secret));
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForFunction(() => /incorrect/.test(document.querySelector('.error-summary')?.innerText || ''));
  assert.equal((await focused(page)).className, 'error-summary');
  assert.match(await page.locator('.error-summary').innerText(), /L'adresse électronique, le mot de passe ou le code est incorrect\./);
  assert.equal(await page.getByLabel('Code de vérification').inputValue(), '', 'the code is emptied');
  await axeBoth(page, 'connexion agents, code faux');

  // The right code, typed by keyboard.
  await page.getByLabel('Code de vérification').focus();
  await page.keyboard.type(totp(agent.secret));
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/admin\/boite\.html$/);
  await waitForState(page, 'ready');
  assert.match(await page.title(), /^Boîte de réception \(\d+ demandes?\) – Espace agents – /);
  assert.match(await page.locator('#admin-nav').innerText(), /Bruno Agent\s+\(agent\)/);
  assert.equal(await page.locator('#admin-nav a[aria-current="page"]').textContent(), 'Boîte de réception');
  await page.close();
});

test('the inbox: filters by keyboard, their address kept, the table and its empty state', async () => {
  const page = await open(agentContext, '/admin/boite.html');
  assert.ok(await page.locator('table caption').count() === 1, 'a captioned table');
  assert.deepEqual(await page.locator('thead th').allTextContents(),
    ['Référence', 'Démarche', 'Demandeur', 'État', 'Déposée le', 'Échéance', 'Attribuée à', 'Canal']);
  assert.ok(await page.locator('tbody th a', { hasText: request.reference }).count() === 1, 'the new request is listed');
  await axeBoth(page, 'boîte de réception');

  // Search by reference, by keyboard: Tab to the search box, type, Tab to « Appliquer », Enter.
  await page.locator('#contenu').focus();
  await tabTo(page, '#filter-q');
  await page.keyboard.type(request.reference.toLowerCase());
  await tabTo(page, '#filters button[type="submit"]');
  await page.keyboard.press('Enter');
  await waitForStatus(page, '1 demande');
  assert.equal(new URL(page.url()).searchParams.get('q'), request.reference.toLowerCase());
  assert.deepEqual(await page.locator('tbody th a').allTextContents(), [request.reference]);
  const cells = await page.locator('tbody tr').first().locator('td').allTextContents();
  assert.ok(cells.includes('En ligne'), `the channel in words: ${cells}`);
  assert.equal(await statusLine(page).getAttribute('role'), 'status');

  // « Attribuées à moi », chosen with the arrow keys: none yet.
  await tabTo(page, '#filter-assignee', 'Shift+Tab');
  for (let i = 0; i < 5 && await page.locator('#filter-assignee').inputValue() !== 'me'; i += 1) await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#filter-assignee').inputValue(), 'me');
  await tabTo(page, '#filters button[type="submit"]');
  await page.keyboard.press('Enter');
  await waitForStatus(page, '0 demande');
  assert.equal(await page.locator('.inbox-empty').textContent(), 'Aucune demande ne correspond à ces filtres.');
  await axeBoth(page, 'boîte de réception vide');

  // Back: the previous filters and their rows again; a reload keeps them.
  await page.goBack();
  await waitForStatus(page, '1 demande');
  assert.equal(await page.locator('#filter-assignee').inputValue(), '');
  await page.reload();
  await waitForState(page, 'ready');
  assert.equal(await page.locator('#filter-q').inputValue(), request.reference.toLowerCase());
  assert.deepEqual(await page.locator('tbody th a').allTextContents(), [request.reference]);

  // The reference's link opens the request, by keyboard.
  await page.locator('tbody th a').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/admin\/demande\.html\?ref=/);
  await waitForState(page, 'ready');
  assert.equal(await page.locator('#breadcrumb a').getAttribute('href'), `/admin/boite.html?q=${request.reference.toLowerCase()}`);
  await page.close();
});

test('a request: its facts, answers, documents and history; take it, change its status; a colleague acting first is a clear conflict', async () => {
  const path = `/admin/demande.html?ref=${request.reference}`;
  const page = await open(agentContext, path);
  await structure(page, `Demande ${request.reference}`);
  const main = await page.locator('main').innerText();
  for (const text of ['Martin', 'Léa, Anne', '3 rue des Lilas', 'Pièces justificatives', 'Historique', 'Demande déposée', 'En ligne']) {
    assert.ok(main.includes(text), `the page shows « ${text} »`);
  }
  assert.ok(await page.getByRole('button', { name: /^Télécharger/ }).count() >= 1, 'documents can be downloaded');
  assert.match(await page.locator('.request-facts').innerText(), /\d{4} à \d{1,2}\u00a0h\u00a0\d{2}/, 'times written « 16 h 30 », as in the emails');
  await axeBoth(page, 'demande');

  // Take the request.
  await page.getByRole('button', { name: 'Prendre la demande' }).click();
  await waitForStatus(page, 'La demande vous est attribuée.');
  assert.match(await page.locator('.request-facts').innerText(), /Attribuée à\s+Bruno Agent/);
  assert.equal((await focused(page)).id, 'actions-title');

  // A transition of the workflow.
  const first = page.locator('#transition-form button[type="submit"]').first();
  const label = await first.textContent();
  await first.click();
  await waitForStatus(page, 'La demande est maintenant à l\'état');
  const moved = await statusLine(page).textContent();
  assert.match(await page.locator('.timeline').innerText(), /par Bruno Agent/, `${label}: in the history with its author`);
  await axeBoth(page, 'demande après un changement d\'état');

  // A colleague moves the request on the version this page read: this page's next action is refused (409).
  const detail = await supervisor.json('GET', `/api/tracking/requests/${request.reference}`);
  assert.ok(detail.transitions.length > 0, 'the supervisor may move it');
  const theirs = detail.transitions[0];
  await supervisor.json('POST', `/api/tracking/requests/${request.reference}/transitions`, { to: theirs.to, version: detail.version, comment: 'Vu au guichet' });
  const stale = page.locator('#transition-form button[type="submit"]').first();
  await stale.click();
  await page.waitForFunction(() => /Quelqu'un a modifié cette demande/.test(document.querySelector('#admin-alert')?.innerText || ''));
  const alert = page.locator('#admin-alert .callout');
  assert.match(await alert.innerText(), /votre action n'a pas été faite[\s\S]*vient d'être rechargée/);
  assert.equal(await page.locator('#admin-alert').getAttribute('role'), 'alert');
  assert.ok(await page.evaluate(() => document.activeElement === document.querySelector('#admin-alert .callout')), 'the message takes focus');
  assert.ok((await page.locator('.request-facts').innerText()).includes(theirs.status.label), 'the page shows the colleague\'s status');
  assert.match(await page.locator('.timeline').innerText(), /Vu au guichet/);
  assert.notEqual(moved, '');
  await axeBoth(page, 'demande en conflit');
  await page.close();
});

const MARKUP = '<img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script><b>gras</b> & « guillemets »';
const CITIZEN_MARKUP = '<a href="javascript:window.__pwned=3">cliquez</a>\n<iframe src="/"></iframe> 2 < 3';
const NOTE = 'Vérifier l\'acte dans le registre de 1990.';

/** The thread's messages as text, and whether any markup of them became elements. */
function threadState(page) {
  return page.evaluate(() => ({
    texts: [...document.querySelectorAll('.thread .message-text')].map((p) => p.textContent),
    elements: document.querySelectorAll('.message-text *').length,
    pwned: globalThis.__pwned ?? null,
  }));
}

test('the thread: markup and script in messages are shown as text on both sides; internal notes marked and never shown to the citizen', async () => {
  const path = `/admin/demande.html?ref=${request.reference}`;
  const page = await open(agentContext, path);
  assert.equal(await page.locator('.thread-empty').textContent(), 'Aucun message pour l\'instant.');

  // A message to the citizen, with markup and script in it.
  await page.getByLabel('Message au demandeur').check();
  await page.getByLabel('Texte').fill(MARKUP);
  await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await waitForStatus(page, 'Message envoyé au demandeur.');
  let state = await threadState(page);
  assert.deepEqual(state, { texts: [MARKUP], elements: 0, pwned: null });

  // An internal note, chosen by keyboard (arrows in the radio group).
  await page.getByLabel('Message au demandeur').focus();
  await page.keyboard.press('ArrowDown');
  if (!(await page.getByLabel('Note interne').isChecked())) await page.keyboard.press('ArrowDown');
  assert.ok(await page.getByLabel('Note interne').isChecked(), 'Note interne chosen with the arrow keys');
  await page.getByLabel('Texte').fill(NOTE);
  await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await waitForStatus(page, 'Note interne enregistrée.');
  // After a message, « Traitement » is still on screen beside it.
  const actions = await page.locator('#actions-title').boundingBox();
  assert.ok(actions.y >= 0 && actions.y + actions.height <= 900, `« Traitement » in view after sending (at ${Math.round(actions.y)} px)`);
  const note = page.locator('.message-internal');
  assert.equal(await note.count(), 1);
  assert.match(await note.innerText(), /NOTE INTERNE|Note interne/);
  assert.match(await note.locator('.message-flag').textContent(), /^Note interne \(visible des agents seulement\)$/);
  assert.equal(await note.locator('.message-text').textContent(), NOTE);
  await axeBoth(page, 'fil de la demande, message et note');

  // The citizen's follow-up page: the message as typed, no note; the citizen answers with markup.
  const citizen = await newContext();
  try {
    const tracking = new URL(request.tracking_url);
    const follow = await open(citizen, tracking.pathname + tracking.hash);
    const section = follow.locator('#echanges');
    assert.equal(await section.locator('h2').textContent(), 'Échanges avec le service');
    state = await threadState(follow);
    assert.deepEqual(state, { texts: [MARKUP], elements: 0, pwned: null });
    assert.ok(!(await follow.locator('main').innerText()).includes(NOTE), 'the note never reaches the citizen');
    assert.equal(await follow.locator('.message-internal').count(), 0);
    assert.match(await section.locator('.message-author').first().textContent(), /Bruno Agent/);
    await axeBoth(follow, 'suivi citoyen avec un message');
    await follow.getByLabel('Votre message').fill(CITIZEN_MARKUP);
    await follow.getByRole('button', { name: 'Envoyer le message' }).click();
    await follow.getByText('Votre message est envoyé.').waitFor();
    state = await threadState(follow);
    assert.deepEqual(state, { texts: [MARKUP, CITIZEN_MARKUP], elements: 0, pwned: null });
    assert.equal(await follow.locator('#echanges a, #echanges iframe').count(), 0, 'no link nor frame made of the text');
    await axeBoth(follow, 'suivi citoyen après sa réponse');
  } finally {
    await citizen.close();
  }

  // Back on the agents' page: the citizen's answer, as text, marked new.
  await page.reload();
  await waitForState(page, 'ready');
  state = await threadState(page);
  assert.deepEqual(state, { texts: [MARKUP, NOTE, CITIZEN_MARKUP], elements: 0, pwned: null });
  const last = page.locator('.thread .message').last();
  assert.match(await last.locator('.message-meta').innerText(), /Le demandeur.*Nouveau/s);
  await page.close();
});

test('« Demander un complément » moves the request to waiting for the citizen; their answer moves it back', async () => {
  const path = `/admin/demande.html?ref=${second.reference}`;
  const page = await open(agentContext, path);
  const before = await page.locator('.request-facts dd strong').textContent();
  const ask = page.getByLabel('Demander un complément');
  assert.ok(await ask.isVisible(), 'an agent may ask from the first status');
  await ask.check();
  await page.getByLabel('Texte').fill('Merci d\'envoyer une copie lisible de votre pièce d\'identité.');
  await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await waitForStatus(page, 'la demande attend la réponse du demandeur.');
  assert.equal(await page.locator('.request-facts dd strong').getAttribute('class'), 'phase phase-waiting_for_citizen');
  assert.equal((await supervisor.json('GET', `/api/tracking/requests/${second.reference}`)).phase, 'waiting_for_citizen');
  assert.ok(!(await ask.isVisible()), 'nothing more to ask while it waits');
  await axeBoth(page, 'demande en attente du demandeur');

  // The citizen answers from their tracking link: the request goes back to where it was.
  const citizen = await newContext(360);
  try {
    const tracking = new URL(second.tracking_url);
    const follow = await open(citizen, tracking.pathname + tracking.hash);
    assert.match(await follow.locator('#echanges').innerText(), /copie lisible/);
    await follow.getByLabel('Votre message').fill('Voici ma réponse.');
    // The document asked for, attached to the answer: sent as soon as it is chosen.
    await follow.getByLabel(/Joindre des fichiers/).setInputFiles(pdfFile('copie-lisible.pdf', 'Copie lisible'));
    await follow.locator('.attached-files .file-item', { hasText: 'Prêt à partir avec le message.' }).waitFor();
    await axeBoth(follow, 'suivi citoyen, fichier joint à la réponse');
    await follow.getByRole('button', { name: 'Envoyer le message' }).click();
    await follow.getByText('Votre message est envoyé.').waitFor();
    assert.equal(await follow.locator('.attached-files .file-item').count(), 0, 'the form is emptied');
    assert.match(await follow.locator('.thread .message').last().innerText(), /copie-lisible\.pdf/);
  } finally {
    await citizen.close();
  }
  await page.reload();
  await waitForState(page, 'ready');
  assert.equal(await page.locator('.request-facts dd strong').textContent(), before);

  // The agent downloads the citizen's file from the thread.
  const answer = page.locator('.thread .message').last();
  assert.match(await answer.innerText(), /Voici ma réponse\.[\s\S]*copie-lisible\.pdf/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    answer.getByRole('button', { name: 'Télécharger «\u00a0copie-lisible.pdf\u00a0»' }).click(),
  ]);
  const { readFile } = await import('node:fs/promises');
  assert.deepEqual(await readFile(await download.path()), pdfBytes('Copie lisible'));
  await page.close();
});

test('the follow-up page\'s steps advance as agents move the request; a refusal marks the steps never reached', async () => {
  const mine = await submitRequest();
  const tracking = new URL(mine.tracking_url);
  const citizen = await newContext(360);
  /** The steps of the follow-up page: « title (state) ». */
  const steps = async () => {
    const page = await open(citizen, tracking.pathname + tracking.hash);
    const read = await page.locator('.steps-tracked > li h3').allInnerTexts();
    const current = await page.locator('.steps-tracked > li[aria-current="step"] h3').allInnerTexts();
    await page.close();
    return { read, current };
  };
  const move = async (to) => {
    const detail = await supervisor.json('GET', `/api/tracking/requests/${mine.reference}`);
    await supervisor.json('POST', `/api/tracking/requests/${mine.reference}/transitions`, { to, version: detail.version, comment: 'Motif donné au demandeur par courrier' });
  };
  try {
    assert.deepEqual((await steps()).current, ['Demande reçue (en cours)']);
    await move('verification');
    const checking = await steps();
    assert.deepEqual(checking.current, ['Vérification de la demande (en cours)'], 'the timeline follows the status');
    assert.deepEqual(checking.read, ['Demande reçue (terminée)', 'Vérification de la demande (en cours)', 'Acte établi (à venir)', 'Acte envoyé (à venir)']);
    // The refusal, from the agent's page: a warning button, a confirmation, a required reason.
    const agentPage = await open(agentContext, `/admin/demande.html?ref=${mine.reference}`);
    const refuse = agentPage.getByRole('button', { name: 'Refuser la demande', exact: true });
    assert.match(await refuse.getAttribute('class'), /button-warning/, 'it looks like what it is');
    assert.equal(await agentPage.locator('#transition-form button[type="submit"][value="refusee"]').count(), 0, 'no one-click refusal');
    await refuse.click();
    assert.equal(await refuse.getAttribute('aria-expanded'), 'true');
    assert.equal((await focused(agentPage)).text, 'Refuser la demande : confirmez', 'the confirmation takes focus');
    await axeBoth(agentPage, 'confirmation d\'un refus');
    const confirm = agentPage.getByRole('button', { name: 'Confirmer : Refuser la demande' });
    await confirm.click();
    await agentPage.locator('.error-summary').waitFor();
    assert.match(await agentPage.locator('.error-summary').innerText(), /Écrivez le motif/);
    assert.equal((await supervisor.json('GET', `/api/tracking/requests/${mine.reference}`)).status.id, 'verification', 'nothing done without a reason');
    const reason = 'Cet acte n\'a pas été dressé à Belleval-sur-Loire : demandez-le à la mairie du lieu de naissance.';
    await agentPage.getByLabel(/Motif communiqué au demandeur/).fill(reason);
    await confirm.click();
    await waitForStatus(agentPage, 'La demande est maintenant à l\'état');
    assert.match(await agentPage.locator('.timeline').innerText(), /Motif donné au demandeur : Cet acte n'a pas été dressé/);
    await agentPage.close();

    assert.deepEqual((await steps()).read, ['Demande reçue (terminée)', 'Vérification de la demande (terminée)', 'Acte établi (non réalisée)', 'Acte envoyé (non réalisée)']);
    const page = await open(citizen, tracking.pathname + tracking.hash);
    assert.match(await page.locator('#page-content').innerText(), new RegExp(`Motif\\s*:\\s*${reason.slice(0, 30)}`));
    await axeBoth(page, 'suivi d\'une demande refusée');
    await page.close();
  } finally {
    await citizen.close();
  }
});

test('an unknown reference is a clear not-found state without axe violations', async () => {
  const page = await open(agentContext, '/admin/demande.html?ref=ZZZZ-9999', 'error');
  assert.equal(await page.locator('h1').textContent(), 'Demande introuvable');
  assert.equal(await page.getByRole('link', { name: 'Retour à la boîte de réception' }).getAttribute('href'), '/admin/boite.html');
  await axeBoth(page, 'demande inconnue');
  await page.close();
});

test('a supervisor gives a request to a colleague and filters the inbox by that colleague', async () => {
  const context = await newContext();
  try {
    const page = await open(context, '/admin/');
    await page.getByLabel('Adresse électronique').fill(boss.email);
    await page.locator('#signin-password').fill(boss.password);
    // Node signed this supervisor in with the current code: the browser uses the next one.
    await page.getByLabel('Code de vérification').fill(totp(boss.secret, { steps: 1 }));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/admin\/boite\.html$/);
    await waitForState(page, 'ready');
    assert.match(await page.locator('#admin-nav').innerText(), /Chloé Responsable\s+\(responsable\)/);

    await page.goto(`${BASE}/admin/demande.html?ref=${second.reference}`);
    await waitForState(page, 'ready');
    await page.getByLabel('Attribuer à').selectOption({ label: 'Bruno Agent' });
    await page.getByRole('button', { name: 'Attribuer', exact: true }).click();
    await waitForStatus(page, 'La demande est attribuée à Bruno Agent.');
    assert.match(await page.locator('.timeline').innerText(), /Attribuée à Bruno Agent[\s\S]*par Chloé Responsable/);
    await axeBoth(page, 'demande attribuée par un responsable');

    await page.goto(`${BASE}/admin/boite.html`);
    await waitForState(page, 'ready');
    await page.getByLabel('Démarche').selectOption(SERVICE);
    await page.waitForFunction(() => [...document.querySelectorAll('#filter-assignee option')].some((o) => o.textContent === 'Bruno Agent'));
    await page.getByLabel('Attribution').selectOption({ label: 'Bruno Agent' });
    await page.getByRole('button', { name: 'Appliquer les filtres' }).click();
    await page.waitForFunction(() => /^\d+ demandes?/.test(document.querySelector('#admin-status')?.textContent || ''));
    const references = await page.locator('tbody th a').allTextContents();
    assert.ok(references.includes(second.reference), `${second.reference} in ${references}`);
    for (const cell of await page.locator('tbody tr td:nth-child(7)').allTextContents()) assert.equal(cell, 'Bruno Agent');
  } finally {
    await context.close();
  }
});

test('a phone request recorded with the service\'s form: the citizen\'s account finds it, with its channel', async () => {
  const citizen = await citizenAccount();
  const page = await open(agentContext, '/admin/saisie.html');
  await structure(page, 'Saisir une demande');
  assert.equal(await page.locator('#admin-nav a[aria-current="page"]').textContent(), 'Saisir une demande');
  await axeBoth(page, 'saisie');

  // No service chosen: said in the error summary.
  await page.getByRole('button', { name: 'Afficher le formulaire de cette démarche' }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  assert.match(await page.locator('.error-summary').innerText(), /Choisissez la démarche de la demande\./);
  await axeBoth(page, 'saisie sans démarche');

  // The service by keyboard, then its form.
  await page.getByLabel('Démarche').focus();
  for (let i = 0; i < 40 && await page.getByLabel('Démarche').inputValue() !== SERVICE; i += 1) await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByLabel('Démarche').inputValue(), SERVICE);
  // The channels an agent records from: an app's report (Open311) is not one of them.
  const channels = await page.locator('input[name="channel"]').evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(channels, ['phone', 'email', 'post', 'counter']);
  await page.getByLabel('Téléphone').check();
  await page.getByLabel('Adresse électronique du demandeur').fill(citizen.email);
  await page.getByRole('button', { name: 'Afficher le formulaire de cette démarche' }).press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'entry-questions-title');
  await axeBoth(page, 'saisie, formulaire de la démarche');

  // Sending it incomplete: the server's errors next to their fields.
  await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
  assert.ok(await page.locator('.field-invalid').count() >= 1, 'the fields at fault are marked');
  await axeBoth(page, 'saisie en erreur');

  for (const [, answers] of birthCertificate(citizen.email)) await fillAnswers(page.locator('#entry-questions'), answers);
  await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
  const done = page.locator('#page-content .callout');
  await done.waitFor();
  const title = await done.locator('.callout-title').textContent();
  const reference = title.match(/[A-Z0-9]{4}-[A-Z0-9]{4}/)?.[0];
  assert.ok(reference, `a reference in « ${title} »`);
  assert.ok(await page.evaluate(() => document.activeElement === document.querySelector('#page-content .callout')), 'the confirmation takes focus');
  assert.match(await done.innerText(), new RegExp(citizen.email.replace(/[.]/g, '\\.')));
  await axeBoth(page, 'saisie enregistrée');

  await done.getByRole('link', { name: 'Ouvrir la demande' }).click();
  await waitForState(page, 'ready');
  const history = await page.locator('.timeline').innerText();
  assert.match(history, /Demande saisie par un agent/);
  assert.match(history, /par Bruno Agent – reçue par\u00a0: Téléphone/);
  assert.match(await page.locator('.request-facts').innerText(), /Reçue par\s+Téléphone/);

  // The citizen, signed in, finds it on their dashboard with its channel.
  const context = await newContext(360);
  try {
    const dashboard = await open(context, '/compte/connexion.html');
    await dashboard.getByLabel('Adresse électronique').first().fill(citizen.email);
    await dashboard.locator('#signin-password').fill(citizen.password);
    await dashboard.getByRole('button', { name: 'Se connecter' }).click();
    await dashboard.waitForURL(/\/compte\/$/);
    await waitForState(dashboard, 'ready');
    const card = dashboard.locator('.card', { hasText: reference });
    assert.match(await card.innerText(), /Demande faite\s*Par téléphone/);
  } finally {
    await context.close();
  }
  await page.close();
});

test('a request received by post without an email: recorded with a postal address, its letters prepared and printed alone', async () => {
  const page = await open(agentContext, '/admin/saisie.html');
  await page.getByLabel('Démarche').selectOption(SERVICE);
  await page.getByLabel('Courrier').check();
  await page.getByLabel('Prénom et nom du demandeur').fill('Odette Marchand');
  await page.getByLabel('Numéro et voie').fill('12 rue des Tanneurs');
  await page.getByLabel('Code postal').fill('41000');
  await page.getByLabel('Commune').fill('Belleval-sur-Loire');
  await page.getByRole('button', { name: 'Afficher le formulaire de cette démarche' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'entry-questions-title');
  for (const [, answers] of birthCertificate('inutile@exemple.fr')) {
    const { requester_email: _, ...rest } = answers;
    await fillAnswers(page.locator('#entry-questions'), rest);
  }
  await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
  const done = page.locator('#page-content .callout');
  await done.waitFor();
  assert.match(await done.innerText(), /Pas d'adresse électronique : imprimez l'accusé de réception/);
  await done.getByRole('link', { name: 'Ouvrir la demande' }).click();
  await waitForState(page, 'ready');
  assert.match(await page.locator('.request-facts').innerText(), /Adresse postale\s+12 rue des Tanneurs, 41000 Belleval-sur-Loire/);

  await page.getByRole('button', { name: 'Préparer le courrier' }).click();
  const letter = page.locator('.letter');
  await letter.waitFor();
  const text = await letter.innerText();
  for (const line of ['Ville de Belleval-sur-Loire', 'Odette Marchand', '12 rue des Tanneurs', '41000 Belleval-sur-Loire', 'bien reçue', '02 61 91 20 00']) {
    assert.ok(text.includes(line), `the letter says « ${line} »`);
  }
  assert.equal((await focused(page)).text, 'Imprimer le courrier');
  await axeBoth(page, 'courrier au demandeur');
  await page.evaluate(() => { window.print = () => { window.__printed = document.body.dataset.print; }; });
  await page.getByRole('button', { name: 'Imprimer le courrier' }).click();
  assert.equal(await page.evaluate(() => window.__printed), 'letter', 'printed alone');
  await page.close();
});

test('a report an Open311 app sent: the agent sees the application, the place with its map link and the media link, markup as text', async () => {
  const application = await admin.json('POST', '/api/accounts/applications', { name: 'Signaler <b>Belleval</b>' }, 201);
  const voirie = await admin.createAgent({ name: 'Victor Voirie', role: 'agent', services: ['signalement-voirie'] });
  const report = new URLSearchParams([
    ['api_key', application.api_key], ['service_code', 'chaussee-trottoir'],
    ['lat', '47.3941'], ['long', '0.6848'], ['address_string', '12 rue <i>des</i> Lilas'],
    ['email', freshEmail('riverain')], ['description', MARKUP],
    ['media_url', 'https://photos.example/nid.jpg'],
    ['attribute[urgent]', 'false'],
  ]);
  const posted = await fetch(`${BASE}/open311/v2/requests.json`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: report,
  });
  assert.equal(posted.status, 201, await posted.clone().text());
  const [{ service_request_id: reference }] = await posted.json();

  const context = await newContext();
  try {
    const page = await open(context, '/admin/');
    await page.getByLabel('Adresse électronique').fill(voirie.email);
    await page.locator('#signin-password').fill(voirie.password);
    await page.getByLabel('Code de vérification').fill(totp(voirie.secret));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/admin\/boite\.html$/);
    await page.goto(`${BASE}/admin/demande.html?ref=${reference}`);
    await waitForState(page, 'ready');
    const facts = await page.locator('.request-facts').innerText();
    for (const text of ['Application (Open311)', 'Signaler <b>Belleval</b>', '12 rue <i>des</i> Lilas', '47.3941, 0.6848']) {
      assert.ok(facts.includes(text), `the facts show « ${text} »: ${facts}`);
    }
    const map = page.getByRole('link', { name: '47.3941, 0.6848' });
    assert.match(await map.getAttribute('href'), /^https:\/\/www\.openstreetmap\.org\/\?mlat=47\.3941&mlon=0\.6848/);
    const media = page.getByRole('link', { name: 'https://photos.example/nid.jpg' });
    assert.equal(await media.getAttribute('rel'), 'noopener noreferrer external');
    assert.equal(await page.locator('.request-facts b, .request-facts i, main img, main script').count(), 0, 'markup stays text');
    assert.equal(await page.evaluate(() => globalThis.__pwned ?? null), null);
    await axeBoth(page, 'signalement Open311');
  } finally {
    await context.close();
  }
});

test('signing out ends the session: the pages lead to the sign-in page again', async () => {
  const page = await open(agentContext, '/admin/boite.html');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL(/\/admin\/\?deconnecte$/);
  await waitForState(page, 'ready');
  assert.match(await page.locator('#page-status').innerText(), /Vous êtes déconnecté de l'espace agents\./);
  await page.goto(`${BASE}/admin/boite.html`);
  await page.waitForURL(/\/admin\/\?retour=/);
  await page.close();
});
