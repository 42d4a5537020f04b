// Exporting requests from the back office: an agent chooses a service they handle, the
// period and the columns by keyboard, watches the file being prepared, and downloads it
// with the request they expect; a bad period is said next to its field. Axe at zero at
// 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, BASE, waitForState, assertNoAxeViolations, closePage } from './helpers.mjs';
import { createAgentByCli, AgentSession, submitRequest } from './admin-helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** The export page opened with `session`'s cookie, at `width` px. */
async function exportPage(session, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', reducedMotion: 'reduce', bypassCSP: true, acceptDownloads: true });
  const [name, value] = session.cookie.split(/=(.*)/s);
  await context.addCookies([{ name, value, url: BASE }]);
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (err) => page.jsErrors.push(err.message));
  await page.goto(`${BASE}/admin/export.html`);
  await waitForState(page, 'ready');
  return page;
}

test('an agent exports the requests of their service by keyboard and downloads the file', async () => {
  const { reference } = await submitRequest();
  const clerk = await AgentSession.signIn(await createAgentByCli({ role: 'agent', services: ['acte-etat-civil'], name: 'Élise Agent' }));
  for (const width of [1280, 360]) {
    const page = await exportPage(clerk, width);
    try {
      assert.equal(await page.locator('h1').textContent(), 'Exporter des demandes');
      assert.equal(await page.getByRole('link', { name: 'Exporter des demandes' }).getAttribute('aria-current'), 'page');
      const services = await page.getByLabel('Démarche').locator('option').allTextContents();
      assert.equal(services.length, 1, `only the services the agent handles: ${services}`);
      await assertNoAxeViolations(page, `export à ${width} px`);
    } finally {
      await closePage(page);
    }
  }

  const page = await exportPage(clerk);
  try {
    // Keyboard only: the requester's name added to the columns, CSV chosen, then sent.
    await page.getByLabel('Nom du demandeur').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.getByLabel('Nom du demandeur').isChecked(), true);
    await page.getByLabel('ODS (LibreOffice, Excel)').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getByLabel('CSV (séparateur point-virgule)').isChecked(), true);
    await page.getByRole('button', { name: 'Préparer le fichier' }).focus();
    await page.keyboard.press('Enter');
    const link = page.getByRole('link', { name: /^Télécharger demandes-acte-etat-civil-.*\.csv$/ });
    await link.waitFor();
    assert.match(await page.locator('#admin-status').innerText(), /Le fichier est prêt : \d+ demandes/);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), await link.textContent(), 'the link takes the focus');
    const [download] = await Promise.all([page.waitForEvent('download'), link.press('Enter')]);
    const csv = await readFile(await download.path(), 'utf8');
    assert.match(csv, /^\uFEFFréférence;reçue le;canal;statut;décidée le;demandeur\r\n/);
    assert.ok(csv.includes(reference), 'the request sent is in the file');
    assert.deepEqual(page.jsErrors, []);
  } finally {
    await closePage(page);
  }
});

test('a period that ends before it starts is said next to its field', async () => {
  const clerk = await AgentSession.signIn(await createAgentByCli({ role: 'agent', services: ['acte-etat-civil'], name: 'Fabien Agent' }));
  const page = await exportPage(clerk, 360);
  try {
    await page.getByLabel('Reçues du').fill('2026-12-05');
    await page.getByLabel('au', { exact: true }).fill('2026-12-01');
    await page.getByRole('button', { name: 'Préparer le fichier' }).click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /date de fin après la date de début/);
    await assertNoAxeViolations(page, 'export, erreur');
  } finally {
    await closePage(page);
  }
});
