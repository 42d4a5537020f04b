// Keyboard only: from the home page, skip link, search box, live announcement,
// the result, Enter, and a sensible, visible, untrapped focus order on the service page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, closePage, waitForState, focused, liveRegion, api, CITY_TITLE,
} from './helpers.mjs';

const TITLE = "Demande d'acte d'état civil";
let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** Tab through the whole page; return the focus stops in order, each described while focused. */
async function tabThrough(page, max = 120) {
  await page.evaluate(() => { globalThis.__tabbed = []; });
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const done = await page.evaluate(() => {
      const el = document.activeElement;
      const seen = globalThis.__tabbed;
      if (!el || el === document.body || seen.some((s) => s.el === el)) return true;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      const previous = seen.at(-1)?.el;
      seen.push({
        el,
        text: (el.innerText || el.value || '').trim().replace(/\s+/g, ' '),
        href: el.getAttribute('href'),
        inDomOrder: !previous || Boolean(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
        visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden',
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      });
      return false;
    });
    if (done) return page.evaluate(() => globalThis.__tabbed.map(({ el, ...rest }) => rest));
  }
  throw new Error(`focus still moving after ${max} Tab presses: a keyboard trap?`);
}

test('keyboard only: search « etat civil acte » and open the civil-status certificate service', async () => {
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    await page.keyboard.press('Tab');
    let now = await focused(page);
    assert.equal(now.text, 'Aller au contenu', 'the skip link is the first Tab stop');
    assert.equal(now.href, '#contenu');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'contenu', 'the skip link moves focus to main');

    await page.keyboard.press('Tab');
    now = await focused(page);
    assert.equal(now.id, 'q', 'after the skip link, Tab reaches the search box');
    assert.equal(await page.locator('label[for="q"]').textContent(), 'Rechercher une démarche');

    await page.keyboard.type('etat civil acte');
    const region = liveRegion(page);
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    await page.waitForFunction(() => /démarches? trouvées?/.test(
      document.querySelector('[aria-live="polite"]').textContent));
    const announced = await region.textContent();
    const shown = await page.locator('#results-list > li').count();
    assert.match(announced, new RegExp(`^${shown} démarches? trouvées? pour «\u00a0etat civil acte\u00a0»$`));

    // Tab: the search button, then the results; the wanted one within a few stops.
    const stops = [];
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      now = await focused(page);
      stops.push(now.text);
      if (now.text === TITLE) break;
    }
    assert.equal(stops[0], 'Rechercher', 'the search button follows the box');
    assert.equal(now.text, TITLE, `Tab stops after the box: ${stops.join(' | ')}`);
    assert.equal(now.href, '/demarches/acte-etat-civil/');

    await Promise.all([page.waitForURL(/\/demarches\/acte-etat-civil\/$/), page.keyboard.press('Enter')]);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), TITLE);
    assert.equal(await page.title(), `${TITLE} – ${await CITY_TITLE()}`);

    const order = await tabThrough(page);
    const service = await api('/api/catalogue/services/acte-etat-civil');
    const city = await api('/api/catalogue/city');
    assert.equal(order[0].text, 'Aller au contenu', 'skip link first');
    assert.ok(order[1].href === '/' && order[1].text.startsWith(city.name), `then the home link: ${order[1].text}`);
    assert.deepEqual([order[2].text, order[2].href], ['Se connecter', '/compte/connexion.html'], 'then the account link');
    assert.deepEqual(order.slice(3, 5).map((o) => [o.text, o.href]),
      [['Accueil', '/'], [service.category.title, `/themes/${service.category.slug}/`]],
      'then the breadcrumb');
    for (const stop of order) {
      assert.ok(stop.inDomOrder, `focus order follows the document: ${stop.text}`);
      assert.ok(stop.visible, `focused element is visible: ${stop.text}`);
      assert.ok(stop.outline, `focused element shows a 2px+ outline: ${stop.text}`);
    }
    // The "on this page" links come before the sections, the footer links last.
    const texts = order.map((o) => o.text);
    const toc = texts.indexOf('Pièces justificatives');
    const footer = texts.findIndex((text) => text.startsWith('Site officiel de la ville'));
    assert.ok(toc > 4 && footer > toc, `order: ${texts.join(' | ')}`);
  } finally {
    await closePage(page);
  }
});

test('the home page focus order is sensible, visible and not trapped', async () => {
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    const order = await tabThrough(page);
    const city = await api('/api/catalogue/city');
    assert.equal(order[0].text, 'Aller au contenu');
    assert.ok(order[1].href === '/' && order[1].text.startsWith(city.name), `home link: ${order[1].text}`);
    assert.equal(order[2].text, 'Se connecter', 'then the account link');
    assert.deepEqual(order.slice(3, 5).map((o) => o.text), ['', 'Rechercher'], 'then the search box and its button');
    for (const stop of order) {
      assert.ok(stop.inDomOrder && stop.visible && stop.outline, `focus stop ${JSON.stringify(stop)}`);
    }
  } finally {
    await closePage(page);
  }
});
