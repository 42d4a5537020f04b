// The indicators page of the back office: supervisors read the period's figures beside a
// year earlier (what citizens read and searched in vain included), the chart with its data table, by service and channel, and download the
// CSV and the ODS; an agent is told the page is not theirs. Axe at zero at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE, waitForState, assertNoAxeViolations, closePage } from './helpers.mjs';
import { createAgentByCli, AgentSession, submitRequest } from './admin-helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** A page of the back office opened with `session`'s cookie, at `width` px. */
async function asAgent(session, path, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', reducedMotion: 'reduce', bypassCSP: true });
  const [name, value] = session.cookie.split(/=(.*)/s);
  await context.addCookies([{ name, value, url: BASE }]);
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (err) => page.jsErrors.push(err.message));
  await page.goto(BASE + path);
  await waitForState(page, 'ready');
  return page;
}

test('a supervisor reads the month\'s figures, the chart and its data table, and the CSV link, at 1280 and 360 px', async () => {
  const clerk = await AgentSession.signIn(await createAgentByCli({ role: 'agent', services: ['acte-etat-civil'], name: 'Claire Agent' }));
  const { reference } = await submitRequest();
  for (const to of ['verification', 'refusee']) {
    const { version } = await clerk.json('GET', `/api/tracking/requests/${reference}`);
    await clerk.json('POST', `/api/tracking/requests/${reference}/transitions`, { to, version, reason: 'Pièce illisible.' });
  }
  // A citizen reads a service's page and searches for what the city does not offer.
  const citizen = await browser.newPage();
  await citizen.goto(`${BASE}/demarches/acte-etat-civil/`);
  await waitForState(citizen, 'ready');
  await citizen.goto(`${BASE}/`);
  await waitForState(citizen, 'ready');
  await citizen.getByRole('searchbox').fill('piscine olympique');
  await citizen.getByRole('searchbox').press('Enter');
  await citizen.locator('#search-status').filter({ hasText: /piscine olympique/ }).waitFor();
  await citizen.close();
  const boss = await AgentSession.signIn(await createAgentByCli({ role: 'supervisor', name: 'Bastien Responsable' }));
  let expected = await boss.json('GET', '/api/reporting/indicators');
  for (let tries = 0; tries < 50 && !expected.catalogue.unanswered.some((u) => u.words === 'piscine olympique'); tries += 1) {
    await new Promise((resolve) => { setTimeout(resolve, 100); });
    expected = await boss.json('GET', '/api/reporting/indicators');
  }
  assert.ok(expected.catalogue.views >= 1, JSON.stringify(expected.catalogue));

  for (const width of [1280, 360]) {
    const page = await asAgent(boss, '/admin/indicateurs.html', width);
    try {
      assert.equal(await page.locator('h1').textContent(), 'Indicateurs');
      assert.equal(await page.getByRole('link', { name: 'Indicateurs' }).getAttribute('aria-current'), 'page');
      const received = page.locator('.indicator', { hasText: 'Demandes reçues' });
      assert.equal(await received.locator('.indicator-value').textContent(), String(expected.figures.received));
      assert.ok(expected.figures.received >= 1 && expected.figures.decided.refused >= 1, JSON.stringify(expected.figures));
      // The chart is an image named by its caption; its words are the table right below.
      const chart = page.locator('figure.indicator-chart svg[role="img"]');
      assert.equal(await chart.getAttribute('aria-labelledby'), 'chart-caption');
      const rows = page.getByRole('table', { name: 'Les données du graphique' }).locator('tbody tr');
      assert.equal(await rows.count(), expected.series.length);
      const funnel = page.getByRole('table', { name: 'De la réception à la décision' });
      assert.match(await funnel.locator('tr', { hasText: 'Refusées' }).innerText(), new RegExp(`\\b${expected.figures.decided.refused}\\b`));
      const csv = page.getByRole('link', { name: 'Télécharger ces chiffres (CSV)' });
      assert.match(await csv.getAttribute('href'), /^\/api\/reporting\/indicators\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
      const unanswered = page.getByRole('table', { name: 'Ce que les usagers ont cherché sans le trouver' });
      assert.match(await unanswered.innerText(), /piscine olympique/);
      const ods = page.getByRole('link', { name: 'Télécharger ces chiffres (ODS : LibreOffice, Excel)' });
      assert.match(await ods.getAttribute('href'), /^\/api\/reporting\/indicators\.ods\?from=/);
      assert.deepEqual(page.jsErrors, []);
      await assertNoAxeViolations(page, `indicateurs à ${width} px`);
    } finally {
      await closePage(page);
    }
  }
});

test('the period, the service and the channel are chosen by keyboard and kept in the address', async () => {
  const boss = await AgentSession.signIn(await createAgentByCli({ role: 'supervisor', name: 'Bérénice Responsable' }));
  const page = await asAgent(boss, '/admin/indicateurs.html');
  try {
    await page.getByLabel('Période', { exact: true }).focus();
    await page.keyboard.press('End');
    assert.equal(await page.getByLabel('Période', { exact: true }).inputValue(), 'custom');
    assert.equal(await page.getByLabel('Du', { exact: true }).isVisible(), true, 'the chosen period asks its dates');
    await page.getByLabel('Du', { exact: true }).fill('2026-01-01');
    await page.getByLabel('Au', { exact: true }).fill('2026-03-31');
    await page.getByLabel('Canal', { exact: true }).selectOption('phone');
    await Promise.all([page.waitForURL(/periode=custom/), page.getByRole('button', { name: 'Afficher' }).press('Enter')]);
    await waitForState(page, 'ready');
    const address = new URL(page.url()).searchParams;
    assert.deepEqual([address.get('du'), address.get('au'), address.get('canal')], ['2026-01-01', '2026-03-31', 'phone']);
    assert.match(await page.locator('.indicator-period').innerText(), /1 janvier 2026 au 31 mars 2026/);
    assert.equal(await page.getByRole('table', { name: 'Les données du graphique' }).locator('tbody tr').count(), 3, 'by month');
  } finally {
    await closePage(page);
  }
});

test('an agent is told the indicators are for supervisors, and the navigation does not offer them', async () => {
  const clerk = await AgentSession.signIn(await createAgentByCli({ role: 'agent', services: ['acte-etat-civil'], name: 'Camille Agent' }));
  const page = await asAgent(clerk, '/admin/indicateurs.html');
  try {
    assert.match(await page.locator('#page-content').innerText(), /réservés aux responsables/);
    assert.equal(await page.getByRole('link', { name: 'Indicateurs' }).count(), 0);
    await assertNoAxeViolations(page, 'indicateurs, agent');
  } finally {
    await closePage(page);
  }
});
