// Supporting documents on the birth-certificate request (`acte-etat-civil` for oneself: the
// identity document, up to 2 files, recto and verso). By keyboard alone: the file input
// reached with Tab and its chooser opened with Space or Enter; the progress bar and the
// live announcements; a renamed executable refused with the server's words next to the
// document; « Remplacer », « Supprimer »; the missing-document error summary; the check
// page; the follow-up page's « Télécharger ». Then a failed upload retried, a 422
// missing-documents on sending, and axe-core on every state of the step at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  launch, openPage, closePage, waitForState, focused, api, assertNoAxeViolations, emailedCode, freshEmail, overflow,
} from './helpers.mjs';
import {
  SERVICE, birthCertificate, stepState, waitForStep, answerDirectly, DOCUMENTS_STEP, CHECK_STEP,
  pdfFile, pdfBytes, spoofedPdf, addDocument, chooseByKeyboard,
} from './journey.mjs';

let browser;
let form;
before(async () => {
  browser = await launch();
  form = await api(`/api/catalogue/services/${SERVICE}/form`);
});
after(() => browser?.close());

const titleOf = (id) => form.pages.find((p) => p.id === id).title;
const draftOf = (page) => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('brouillon');
const text = (locator) => locator.innerText().then((s) => s.replace(/\s+/g, ' ').trim());

/** Answer every page of the birth certificate for oneself, up to the documents step. */
async function reachDocuments(page, email) {
  const steps = birthCertificate(email);
  for (const [index, [, answers]] of steps.entries()) {
    await answerDirectly(page, answers);
    const next = steps[index + 1];
    await waitForStep(page, next ? titleOf(next[0]) : DOCUMENTS_STEP);
  }
}

/** Tab until the focused element satisfies `match`; returns its description. */
async function tabTo(page, match, what, { max = 40, backwards = false } = {}) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (match(now)) return now;
  }
  throw new Error(`${what} not reached by ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/**
 * Record, from now on, what the live region says and every value a <progress> bar takes
 * (uploads of a few bytes are over before a test could look).
 */
async function record(page) {
  await page.evaluate(() => {
    const seen = { live: [], progress: [] };
    globalThis.__documents = seen;
    const look = () => {
      const said = document.getElementById('documents-live')?.textContent.replace(/\s+/g, ' ').trim();
      if (said && seen.live[seen.live.length - 1] !== said) seen.live.push(said);
      for (const bar of document.querySelectorAll('progress')) {
        const value = Number(bar.value);
        const last = seen.progress.findLast((p) => p.id === bar.id);
        if (!last || last.value !== value) {
          seen.progress.push({ id: bar.id, value, max: Number(bar.max), label: (bar.labels?.[0]?.textContent ?? '').replace(/\s+/g, ' ') });
        }
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['value'],
    });
  });
}
const recorded = (page) => page.evaluate(() => globalThis.__documents);
/** Wait until the live region has said `words`. */
async function announced(page, words) {
  try {
    await page.waitForFunction((w) => globalThis.__documents.live.some((s) => s.includes(w)), words, { timeout: 10_000 });
  } catch (err) {
    throw new Error(`« ${words} » not announced; the live region said ${JSON.stringify((await recorded(page))?.live)}`);
  }
}

test('keyboard alone: the documents step from a refused file to the download on the follow-up page', async () => {
  const email = freshEmail('pieces');
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    await reachDocuments(page, email);
    await record(page);
    assert.match(page.url(), /[?&]etape=pieces-justificatives(&|#)/, 'the step has its address');
    assert.equal(await stepState(page), 'Étape 6 sur 7', 'the documents step comes before the check page');
    assert.equal((await focused(page)).tag, 'h1', 'focus on the new step\'s heading');
    const checklist = await api(`/api/attachments/drafts/${draftOf(page)}`);
    assert.deepEqual(checklist.documents.map((d) => d.id), ['identity'], 'the server\'s checklist for one\'s own certificate');
    const identity = checklist.documents[0];

    // What the document needs, in words; a real, labelled file input.
    const card = page.locator('#doc-identity');
    const cardText = await text(card);
    for (const words of [identity.title, identity.description, 'À ajouter', 'PDF, JPEG ou PNG, 10 Mo maximum par fichier.', 'Jusqu\'à 2 fichiers (recto et verso).']) {
      assert.ok(cardText.includes(words), `the document says « ${words} »`);
    }
    const labelled = page.getByLabel('Ajouter un fichier pour « Pièce d\'identité »');
    assert.equal(await labelled.getAttribute('type'), 'file');
    assert.equal(await labelled.getAttribute('id'), 'doc-identity-file');
    const input = page.locator('#doc-identity-file');
    const accept = (await input.getAttribute('accept')).split(',');
    for (const type of ['.pdf', 'application/pdf', '.jpg', 'image/jpeg', '.png', 'image/png']) assert.ok(accept.includes(type), `accept has ${type}`);
    const main = await text(page.locator('main'));
    if (checklist.scanner === null) assert.ok(main.includes('Vos fichiers ne sont pas analysés par un antivirus'), 'no antivirus: said so');
    else assert.ok(main.includes('Chaque fichier est analysé par un antivirus'), 'the antivirus is said');

    // « Continuer » with nothing: the error summary links to the file input.
    await tabTo(page, (f) => f.text === 'Continuer', '« Continuer »');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'), null, { timeout: 10_000 });
    assert.match(await page.title(), /^Erreur\s:\sPièces justificatives – Étape 6 sur 7/);
    assert.equal(await text(page.locator('.error-summary a')), 'Ajoutez ce document : Pièce d\'identité.');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.ok((await text(card.locator('.field-error'))).includes('Ajoutez ce document'), 'the message next to the document');
    const link = await tabTo(page, (f) => f.tag === 'a', 'the summary\'s link');
    assert.equal(link.text, 'Ajoutez ce document : Pièce d\'identité.');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'doc-identity-file', 'the link moves focus to the file input');

    // A renamed executable: the server's words next to the document, nothing listed.
    await chooseByKeyboard(page, spoofedPdf('facture.pdf'), 'Space');
    const failure = card.locator('.upload-alert[role="alert"]').filter({ hasText: 'facture.pdf' });
    await failure.waitFor({ timeout: 15_000 });
    const refusal = await text(failure);
    assert.match(refusal, /« facture\.pdf » n'a pas pu être envoyé\. Ce fichier n'est pas un vrai PDF/, refusal);
    assert.equal(await card.locator('.file-item').count(), 0, 'a refused file is not listed');
    assert.equal(await failure.getByRole('button', { name: 'Choisir un autre fichier pour « Pièce d\'identité »' }).count(), 1,
      'a file refused for what it is: another file, not the same again');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    const errorId = await failure.locator('.upload-error-message').getAttribute('id');
    assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes(errorId), 'the input is described by the error');
    assert.equal((await focused(page)).id, 'doc-identity-file', 'focus stays on the file input');

    // A real PDF, chosen with Enter: progress bar to 100 %, start and end announced.
    await chooseByKeyboard(page, pdfFile('acte-naissance.pdf'), 'Enter');
    await card.locator('.file-item').filter({ hasText: 'acte-naissance.pdf' }).waitFor({ timeout: 15_000 });
    await announced(page, '« acte-naissance.pdf » est bien envoyé pour « Pièce d\'identité ».');
    const { live, progress } = await recorded(page);
    assert.ok(live.includes('Envoi de « acte-naissance.pdf » en cours…'), `start announced: ${JSON.stringify(live)}`);
    assert.ok(!live.some((s) => /\d+\s%/.test(s)), 'percentages are not announced');
    const bar = progress.filter((p) => p.label.includes('acte-naissance.pdf'));
    assert.ok(bar.length > 0, 'a labelled progress bar was shown');
    assert.equal(bar[0].max, 100);
    assert.equal(bar[bar.length - 1].value, 100, `the bar ends at 100: ${JSON.stringify(bar)}`);
    assert.deepEqual(bar.map((p) => p.value), [...bar.map((p) => p.value)].sort((a, b) => a - b), 'the bar only goes forward');
    assert.equal(await card.locator('.upload-failed').count(), 0, 'the earlier failure is gone');
    assert.equal(await input.getAttribute('aria-invalid'), null);
    const sent = (await api(`/api/attachments/drafts/${draftOf(page)}`)).documents[0].files;
    assert.equal(sent.length, 1);
    const item = await text(card.locator('.file-item'));
    assert.ok(item.includes(`acte-naissance.pdf (${sent[0].size} octets)`), item);
    assert.ok(item.includes(sent[0].scan_label), `the scan status in words: ${item}`);
    assert.ok((await text(card.locator('.document-state'))).startsWith('Ajouté'), 'the document is marked as added');
    assert.equal(await page.getByLabel('Ajouter un autre fichier pour « Pièce d\'identité »').count(), 1, 'room for the verso');

    // « Remplacer »: the new file takes the old one's place.
    const replace = await tabTo(page, (f) => f.text.startsWith('Remplacer'), '« Remplacer »', { backwards: true });
    assert.equal(replace.text, 'Remplacer « acte-naissance.pdf »');
    await chooseByKeyboard(page, pdfFile('recto.pdf'), 'Enter');
    await announced(page, '« recto.pdf » remplace « acte-naissance.pdf » pour « Pièce d\'identité ».');
    assert.deepEqual(await card.locator('.file-item .file-title').allTextContents(), ['recto.pdf']);
    assert.equal((await focused(page)).text, 'Remplacer « recto.pdf »', 'focus on the same button of the new file');

    // A second file fills the document: the input goes, focus goes to the new file.
    await tabTo(page, (f) => f.id === 'doc-identity-file', 'the file input');
    await chooseByKeyboard(page, pdfFile('verso.pdf'), 'Space');
    await announced(page, '« verso.pdf » est bien envoyé');
    assert.deepEqual(await card.locator('.file-item .file-title').allTextContents(), ['recto.pdf', 'verso.pdf']);
    assert.equal(await page.locator('#doc-identity-file').isVisible(), false, 'no third file for a recto and a verso');
    const onNew = await focused(page);
    assert.ok(onNew.text.startsWith('verso.pdf'), `focus on the new file: ${JSON.stringify(onNew)}`);

    // « Supprimer »: announced, and focus back on the file input.
    const remove = await tabTo(page, (f) => f.text.startsWith('Supprimer'), '« Supprimer »');
    assert.equal(remove.text, 'Supprimer « verso.pdf »');
    await page.keyboard.press('Enter');
    await announced(page, '« verso.pdf » est supprimé.');
    assert.deepEqual(await card.locator('.file-item .file-title').allTextContents(), ['recto.pdf']);
    assert.equal((await focused(page)).id, 'doc-identity-file', 'focus back on the file input');

    // The check page lists the document's file, with « Modifier » back to the step.
    await tabTo(page, (f) => f.text === 'Continuer', '« Continuer »');
    await page.keyboard.press('Enter');
    await waitForStep(page, CHECK_STEP);
    assert.equal(await stepState(page), 'Étape 7 sur 7');
    const review = page.locator('.review-documents');
    assert.ok((await text(review)).includes('Pièce d\'identité'));
    assert.ok((await text(review)).includes('recto.pdf'));
    const edit = review.getByRole('link', { name: 'Modifier « Pièces justificatives »' });
    assert.match(await edit.getAttribute('href'), /etape=pieces-justificatives&retour=verification#brouillon=/);
    assert.equal(await page.getByRole('link', { name: /^Modifier/ }).count(), 6, 'one « Modifier » per page and one for the documents');

    // Sent, by keyboard, then the follow-up page.
    await tabTo(page, (f) => f.id === 'review-email', 'the email field');
    assert.equal(await page.locator('#review-email').inputValue(), email, 'the address given in the form');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'review-code', null, { timeout: 10_000 });
    await page.keyboard.type(await emailedCode(email));
    await tabTo(page, (f) => f.text === 'Envoyer ma demande', '« Envoyer ma demande »');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.reference', { timeout: 10_000 });
    await tabTo(page, (f) => f.text === 'Suivre ma demande', '« Suivre ma demande »');
    await Promise.all([page.waitForURL(/\/suivi\.html#/), page.keyboard.press('Enter')]);
    await waitForState(page, 'ready');
    const tracked = page.locator('#tracking-documents + ul.documents');
    assert.ok((await text(tracked)).includes('Pièce d\'identité'));
    assert.deepEqual(await tracked.locator('.file-title').allTextContents(), ['recto.pdf'], 'only the file kept');
    const download = await tabTo(page, (f) => f.text.startsWith('Télécharger'), '« Télécharger »');
    assert.equal(download.text, 'Télécharger « recto.pdf »');
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.keyboard.press('Enter')]);
    assert.equal(file.suggestedFilename(), 'recto.pdf');
    assert.deepEqual(readFileSync(await file.path()), pdfBytes('recto.pdf'), 'the bytes sent are the bytes downloaded');
    assert.match(page.url(), /\/suivi\.html#/, 'the follow-up page stays');
    assert.deepEqual(page.jsErrors, [], 'no JavaScript error');
  } finally {
    await closePage(page);
  }
});

test('a failed upload is said next to its document and « Réessayer » sends it; a 422 missing-documents links back to the step', async () => {
  const email = freshEmail('reessai');
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    await reachDocuments(page, email);
    await record(page);
    // The storage cannot be reached: the upload fails after its grant.
    const storage = (url) => url.pathname.startsWith('/files/upload');
    await page.route(storage, (route) => route.abort('connectionrefused'));
    await page.locator('#doc-identity-file').setInputFiles(pdfFile('passeport.pdf'));
    const card = page.locator('#doc-identity');
    const failure = card.locator('.upload-alert').filter({ hasText: 'passeport.pdf' });
    await failure.waitFor({ timeout: 15_000 });
    assert.match(await text(failure), /La connexion au serveur a échoué/);
    assert.equal(await failure.getByRole('button', { name: /^Choisir un autre fichier/ }).count(), 0, 'a network failure: « Réessayer »');
    await page.unroute(storage);
    // The reservation of the failed upload was given back: nothing counts, nothing is listed.
    assert.equal(await card.locator('.file-item').count(), 0);
    await failure.getByRole('button', { name: 'Réessayer « passeport.pdf »' }).click();
    await card.locator('.file-item').filter({ hasText: 'passeport.pdf' }).waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('.upload-failed').count(), 0);
    await announced(page, '« passeport.pdf » est bien envoyé');
    await page.locator('.documents-step button[type="submit"]').click();
    await waitForStep(page, CHECK_STEP);

    // The file goes behind the page's back: sending answers 422 missing-documents.
    const draft = draftOf(page);
    const { files } = (await api(`/api/attachments/drafts/${draft}`)).documents[0];
    const status = await page.evaluate(async ([d, f]) => (await fetch(`/api/attachments/drafts/${d}/files/${f}`, {
      method: 'DELETE', headers: { 'X-GRU-CSRF': '1' },
    })).status, [draft, files[0].id]);
    assert.equal(status, 204);
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'), null, { timeout: 10_000 });
    const link = page.locator('.error-summary a');
    assert.equal(await text(link), 'Ajoutez ce document : Pièce d\'identité.');
    assert.match(await link.getAttribute('href'), /etape=pieces-justificatives/);
    assert.ok((await text(page.locator('.review-documents .field-error'))).includes('Ajoutez ce document'), 'said next to the document too');
    await link.click();
    // The step comes with its own summary, focused.
    await page.waitForFunction((title) => document.querySelector('h1 .stepper-title')?.textContent === title
      && document.activeElement?.closest('.documents-step') && document.activeElement.classList.contains('error-summary'), DOCUMENTS_STEP, { timeout: 10_000 });
    assert.equal(await text(page.locator('.error-summary a')), 'Ajoutez ce document : Pièce d\'identité.');
    await page.locator('.error-summary a').click();
    assert.equal((await focused(page)).id, 'doc-identity-file');
    await addDocument(page, 'identity', pdfFile('passeport.pdf'));
    await page.locator('.documents-step button[type="submit"]').click();
    await waitForStep(page, CHECK_STEP);
    assert.deepEqual(page.jsErrors, [], 'no JavaScript error');
  } finally {
    await closePage(page);
  }
});

for (const width of [1280, 360]) {
  test(`axe: the documents step empty, with its summary, uploading, refused, done (and infected) at ${width}px`, async () => {
    const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { width, state: 'ready', bypassCSP: true });
    const check = async (label) => {
      await assertNoAxeViolations(page, `${label} at ${width}px`);
      assert.ok(await overflow(page) <= 0, `${label}: no horizontal scrolling at ${width}px`);
    };
    try {
      await reachDocuments(page, freshEmail('axe-pieces'));
      await check('documents step, empty');
      await page.locator('.documents-step button[type="submit"]').click();
      await page.waitForSelector('.error-summary');
      await check('documents step, missing document');

      // Uploading: the PUT is held until axe has looked.
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      const storage = (url) => url.pathname.startsWith('/files/upload');
      await page.route(storage, async (route) => { await held; await route.continue(); });
      await page.locator('#doc-identity-file').setInputFiles(pdfFile('en-cours.pdf'));
      const progressbar = page.getByRole('progressbar', { name: 'Envoi de « en-cours.pdf »' });
      await progressbar.waitFor();
      await check('documents step, uploading');
      release();
      await page.locator('#doc-identity .file-item').filter({ hasText: 'en-cours.pdf' }).waitFor({ timeout: 15_000 });
      await page.unroute(storage);
      await check('documents step, done');

      await page.locator('#doc-identity-file').setInputFiles(spoofedPdf('programme.pdf'));
      await page.locator('#doc-identity .upload-alert').filter({ hasText: 'programme.pdf' }).waitFor({ timeout: 15_000 });
      await check('documents step, refused file');

      const checklist = await api(`/api/attachments/drafts/${draftOf(page)}`);
      if (checklist.scanner) {
        // The EICAR test string inside a PDF: the antivirus finds it, the file stays listed and does not count.
        const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
        const infected = { name: 'virus.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdfBytes('virus'), Buffer.from(eicar)]) };
        await page.locator('#doc-identity .file-item button', { hasText: 'Supprimer' }).click();
        await page.locator('#doc-identity .file-item').waitFor({ state: 'detached' });
        await addDocument(page, 'identity', infected);
        const listed = await text(page.locator('#doc-identity .file-item'));
        assert.match(listed, /virus a été détecté/, listed);
        assert.equal(await text(page.locator('#doc-identity .document-state')), 'À ajouter', 'an infected file does not count');
        await check('documents step, infected file');
      }
      assert.deepEqual(page.jsErrors, [], 'no JavaScript error');
    } finally {
      await closePage(page);
    }
  });
}
