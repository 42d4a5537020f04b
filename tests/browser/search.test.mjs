// Search: accent/case/word-order tolerant, as you type and on submit, live announcement,
// shareable ?q= address, « Voir plus de résultats » with the API's cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, closePage, searchFor, waitForState, api } from './helpers.mjs';

const TITLE = "Demande d'acte d'état civil";
let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

const resultTitles = (page) => page.locator('#results-list h3 a').allTextContents();

for (const query of ['etat civil acte', 'ÉTAT civil', 'acte etat', "Acte d'État Civil"]) {
  test(`typing « ${query} » finds the civil-status certificate service`, async () => {
    const page = await openPage(browser, '/', { state: 'ready' });
    try {
      const announced = await searchFor(page, query);
      const titles = await resultTitles(page);
      assert.ok(titles.includes(TITLE), `results for « ${query} »: ${titles.join(' | ')}`);
      assert.match(announced, new RegExp(`^${titles.length} démarches? trouvées?`));
      const link = page.locator('#results-list a', { hasText: TITLE });
      assert.equal(await link.getAttribute('href'), '/demarches/acte-etat-civil/');
    } finally {
      await closePage(page);
    }
  });
}

test('« Les démarches les plus demandées » are the city\'s choice, in its order', async () => {
  const featured = (await api('/api/catalogue/featured')).items.map((s) => s.title);
  assert.ok(featured.length > 0, 'the demo city names some');
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    assert.deepEqual(await page.locator('#popular-list h3').allInnerTexts(), featured);
    assert.notDeepEqual(featured, [...featured].sort(), 'not alphabetical: the city\'s order');
  } finally {
    await closePage(page);
  }
});

test('submitting the form searches at once and gives a shareable address', async () => {
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    await searchFor(page, 'acte etat', { submit: true });
    assert.ok((await resultTitles(page)).includes(TITLE));
    assert.match(page.url(), /\/\?q=acte%20etat$/);
    await page.goto(page.url());
    await waitForState(page, 'ready');
    assert.equal(await page.locator('#q').inputValue(), 'acte etat');
    assert.ok((await resultTitles(page)).includes(TITLE), 'opening the address shows the results');
    assert.match(await page.locator('[aria-live="polite"]').textContent(), /trouvées?/);
  } finally {
    await closePage(page);
  }
});

test('no result is said in words, and emptying the box clears the results', async () => {
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    const announced = await searchFor(page, 'zzqxwv');
    assert.equal(announced, 'Aucune démarche trouvée pour «\u00a0zzqxwv\u00a0». Essayez un autre mot ou parcourez les thèmes.');
    assert.equal(await page.locator('#results-list > li').count(), 0);
    assert.ok(await page.locator('#themes').isVisible(), 'the categories stay available');
    await page.locator('#q').fill('');
    await page.waitForFunction(() => document.querySelector('#results').hidden);
    assert.equal((await page.locator('[aria-live="polite"]').textContent()).trim(), '');
    assert.ok(await page.locator('#popular').isVisible(), 'the most requested services come back');
  } finally {
    await closePage(page);
  }
});

test('« Voir plus de résultats » appears only with a cursor, fetches the next page and moves focus to it', async () => {
  // The demo catalogue has fewer than 50 services: the API's paging is simulated here.
  const item = (i) => ({ slug: `s${i}`, title: `Démarche ${i}`, category: 'c', category_title: 'Thème', summary: `Résumé ${i}` });
  const cursors = [];
  const page = await openPage(browser, '/', {
    state: 'ready',
    setup: (p) => p.route((url) => url.pathname === '/api/catalogue/services', (route) => {
      const url = new URL(route.request().url());
      if (!url.searchParams.get('q')) return route.fallback();
      const cursor = url.searchParams.get('cursor');
      cursors.push(cursor);
      const body = cursor === 'page-2'
        ? { items: [50, 51, 52].map(item), next: null }
        : { items: Array.from({ length: 50 }, (_, i) => item(i)), next: 'page-2' };
      return route.fulfill({ json: body });
    }),
  });
  try {
    const announced = await searchFor(page, 'démarche');
    assert.equal(announced, 'Plus de 50 démarches trouvées pour «\u00a0démarche\u00a0»');
    const more = page.getByRole('button', { name: 'Voir plus de résultats' });
    assert.ok(await more.isVisible());
    await more.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#results-list > li').length === 53);
    assert.deepEqual(cursors, [null, 'page-2'], 'the second request carries the cursor');
    assert.equal((await page.evaluate(() => document.activeElement.textContent)), 'Démarche 50',
      'focus moves to the first new result');
    assert.ok(await more.isHidden(), 'no more button once next is null');
    assert.equal(await page.locator('[aria-live="polite"]').textContent(), '53 démarches trouvées pour «\u00a0démarche\u00a0»');
  } finally {
    await closePage(page);
  }
});

test('a failing search API is reported in words, without breaking the page', async () => {
  const page = await openPage(browser, '/', {
    state: 'ready',
    setup: (p) => p.route((url) => url.pathname === '/api/catalogue/services' && url.searchParams.has('q'), (route) => route.fulfill({
      status: 503, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Maintenance.' }),
    })),
  });
  try {
    await page.locator('#q').fill('acte');
    await page.locator('#q').press('Enter');
    await page.waitForFunction(() => document.querySelector('[aria-live="polite"]').textContent.includes('pas abouti'));
  } finally {
    await closePage(page);
  }
});
