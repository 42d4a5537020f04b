// Service presentation pages, built for the city (shared/site): sections in the API's
// order, « Faire la demande en ligne » when the service has an online form, « Prendre
// rendez-vous » when it books one, the other ways when it is not online; an unknown
// address is the site's 404 page. Markup in the city's texts is tested in shared/site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, closePage, api, allServices, assertNoAxeViolations } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

const SECTION_TITLES = [
  ['purpose', 'À quoi sert cette démarche'],
  ['audience', 'Qui peut faire la demande'],
  ['conditions', 'Conditions'],
  ['process', 'Comment ça se passe'],
  ['steps', "Les étapes de l'instruction"],
  ['documents', 'Pièces justificatives'],
  ['delay', 'Délai'],
  ['cost', 'Coût'],
  ['channels', 'Autres façons de faire cette démarche'],
  ['links', 'Pour en savoir plus'],
];
const present = (value) => (Array.isArray(value) ? value.length > 0 : Boolean(value && String(value).trim()));

test('the acte-etat-civil presentation page shows every section of the API, in order', async () => {
  const service = await api('/api/catalogue/services/acte-etat-civil');
  const page = await openPage(browser, '/demarches/acte-etat-civil/', { state: 'ready' });
  try {
    assert.equal(await page.locator('h1').textContent(), service.title);
    assert.ok((await page.locator('main .lead').innerText()).includes(service.summary));
    const expected = SECTION_TITLES.filter(([key]) => present(service.presentation[key])).map(([, title]) => title);
    assert.ok(expected.length >= 8, 'the demo service documents most sections');
    assert.deepEqual(await page.locator('main section > h2').allTextContents(), ['En bref', ...expected]);

    const crumbs = page.getByRole('navigation', { name: "Fil d'Ariane" });
    assert.deepEqual(await crumbs.locator('li').allTextContents(), ['Accueil', service.category.title, service.title]);
    assert.equal(await crumbs.locator('[aria-current="page"]').textContent(), service.title);

    const steps = page.locator('#etapes ol > li');
    assert.equal(await steps.count(), service.presentation.steps.length, 'steps are an ordered list');
    assert.deepEqual(await steps.locator('h3').allTextContents(), service.presentation.steps.map((s) => s.title));

    const docs = service.presentation.documents;
    assert.equal(await page.locator('#pieces li').count(), docs.length);
    assert.equal(await page.locator('#pieces .doc-when').count(), docs.filter((d) => d.when).length);
    for (const doc of docs.filter((d) => d.when)) {
      const text = (await page.locator('#pieces li', { hasText: doc.title }).innerText()).replace(/\s+/g, ' ');
      assert.ok(text.includes(`Dans quel cas : ${doc.when}`), `« Dans quel cas » of ${doc.title}: ${text}`);
    }
    assert.equal(await page.locator('#autres-facons > ul > li').count(), service.presentation.channels.length);

    // "- " lines of the API text become list items, blank lines separate paragraphs.
    const purposeItems = service.presentation.purpose.split('\n').filter((l) => l.trim().startsWith('- ')).length;
    assert.equal(await page.locator('#a-quoi-sert ul > li').count(), purposeItems);
    const firstParagraph = service.presentation.purpose.trim().split(/\n\s*\n/)[0].replace(/\s+/g, ' ');
    assert.equal(await page.locator('#a-quoi-sert p').first().textContent(), firstParagraph);
  } finally {
    await closePage(page);
  }
});

test('on a phone, « En bref » gives who, delay, cost, online and what to bring before anything else, and the page ends with the way to start', async () => {
  const service = await api('/api/catalogue/services/acte-etat-civil');
  const page = await openPage(browser, '/demarches/acte-etat-civil/', { width: 360, state: 'ready', bypassCSP: true });
  try {
    const box = page.locator('.service-summary');
    const rows = await box.locator('dt').allInnerTexts();
    assert.deepEqual(rows, ['Qui peut faire la demande', 'Délai', 'Coût', 'En ligne', 'À prévoir']);
    const text = await box.innerText();
    for (const fact of [service.presentation.delay, service.presentation.cost, 'Oui, sur ce site', ...service.presentation.documents.map((d) => d.title)]) {
      assert.ok(text.includes(fact), `« En bref » says « ${fact} »`);
    }
    const { y, height } = await box.boundingBox();
    assert.ok(y + height < 2 * 900, `the summary ends within two phone screens (it ends at ${Math.round(y + height)} px)`);
    assert.ok(await page.evaluate(() => document.body.scrollHeight) > 2 * 900, 'on a page much longer than that');
    // Its links lead to the full sections.
    assert.equal(await box.getByRole('link', { name: 'Le détail des pièces' }).getAttribute('href'), '#pieces');

    const starts = page.getByRole('link', { name: 'Faire la demande en ligne' });
    assert.equal(await starts.count(), 2, 'once at the top, once at the end');
    const last = await starts.last().boundingBox();
    const lastSection = await page.locator('main section').last().boundingBox();
    assert.ok(last.y > lastSection.y, 'the second one comes after the last section');
    await assertNoAxeViolations(page, 'service page at 360 px');
  } finally {
    await closePage(page);
  }
});

test('« Faire la demande en ligne » with a form; « Prendre rendez-vous » for a service that books an appointment; otherwise no button but a note pointing to the other channels', async () => {
  const services = await allServices();
  assert.ok(services.length > 0, 'the catalogue has services');
  for (const { slug } of services) {
    const service = await api(`/api/catalogue/services/${slug}`);
    const page = await openPage(browser, `/demarches/${slug}/`, { state: 'ready' });
    try {
      const start = page.getByRole('link', { name: /Commencer/ }).or(page.getByRole('button', { name: /Commencer/ }));
      const online = page.getByRole('link', { name: 'Faire la demande en ligne' });
      if (service.has_form) {
        assert.equal(await online.count(), 2, `${slug}: « Faire la demande en ligne » when the service has a form, at the top and at the end`);
        assert.equal(await online.first().getAttribute('href'), `/demarche.html?service=${slug}`);
        assert.match(await online.first().getAttribute('class'), /\bbutton\b/, 'a primary button');
        assert.equal(await start.count(), 0);
      } else if (service.appointment) {
        // A service without a form that books an appointment: booking is how it starts.
        const book = page.getByRole('link', { name: 'Prendre rendez-vous' });
        assert.equal(await book.count(), 2, `${slug}: « Prendre rendez-vous », at the top and at the end`);
        assert.equal(await book.first().getAttribute('href'), `/rendez-vous/?type=${service.appointment.type}`);
        assert.match(await book.first().getAttribute('class'), /\bbutton-large\b/, 'the page\'s main action');
        assert.equal(await start.count(), 0);
      } else {
        assert.equal(await online.count(), 0, `${slug}: no online form, no « Faire la demande en ligne »`);
        assert.equal(await start.count(), 0, `${slug}: no « Commencer » while start is null`);
        assert.equal(await page.getByText("Cette démarche n'est pas encore disponible en ligne.").count(), 1, `${slug}: says so`);
        const toChannels = page.getByRole('link', { name: 'voir les autres façons de faire cette démarche' });
        const target = (await toChannels.getAttribute('href')).slice(1);
        assert.equal(await page.locator(`[id="${target}"]`).count(), 1, `${slug}: the note's link has a target`);
      }
    } finally {
      await closePage(page);
    }
  }
});

test('an unknown service or category is the site\'s 404 page, with a way home', async () => {
  for (const path of ['/demarches/demarche-inexistante/', '/themes/theme-inexistant/']) {
    const page = await openPage(browser, path, { state: 'ready', status: 404 });
    try {
      assert.equal(await page.locator('h1').textContent(), 'Page introuvable', path);
      assert.equal(await page.getByRole('link', { name: "Retourner à l'accueil" }).getAttribute('href'), '/');
    } finally {
      await closePage(page);
    }
  }
});

test('category page lists its services with the API count, by title', async () => {
  const { items: categories } = await api('/api/catalogue/categories');
  const category = categories.find((c) => c.service_count > 0);
  const services = await allServices({ category: category.slug });
  assert.equal(services.length, category.service_count);
  const page = await openPage(browser, `/themes/${category.slug}/`, { state: 'ready' });
  try {
    assert.equal(await page.locator('h1').textContent(), category.title);
    const titles = services.map((s) => s.title).sort((a, b) => a.localeCompare(b, 'fr'));
    assert.deepEqual(await page.locator('#services-list h3 a').allTextContents(), titles);
  } finally {
    await closePage(page);
  }
});
