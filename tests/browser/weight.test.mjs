// What a page costs on the wire: answers compressed (brotli or gzip) as the browser
// accepts, and only the dictionary of the language shown. The home page's weight, as
// Chromium counts the bytes received, is printed (docs/performance.md quotes it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, closePage, BASE } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** Every response of loading `path`, with the bytes received for it (headers aside). */
async function load(path, options = {}) {
  const responses = [];
  const page = await openPage(browser, path, {
    ...options,
    setup: async (p) => {
      p.on('requestfinished', async (request) => {
        const response = await request.response();
        const sizes = await request.sizes();
        responses.push({
          url: request.url(), encoding: response?.headers()['content-encoding'],
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
        });
      });
      await options.setup?.(p);
    },
  });
  await page.waitForLoadState('networkidle');
  return { page, responses };
}

test('a French page loads the French dictionary only; an English one loads the English dictionary', async () => {
  const french = await load('/', { state: 'ready' });
  // The modules' names without their content hash (/js/i18n/fr.9cc2e5dbfb.js).
  const dictionaries = (list) => list.map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/js/i18n/'))
    .map((p) => p.replace(/\.[0-9a-f]{10}\.js$/, '.js')).sort();
  assert.deepEqual(dictionaries(french.responses), ['/js/i18n/fr.js', '/js/i18n/index.js']);
  await closePage(french.page);

  // The same page said to be in English (no English page ships yet).
  const english = await load('/', {
    state: 'ready',
    setup: (page) => page.route(`${BASE}/`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('<html lang="fr"', '<html lang="en"');
      await route.fulfill({ response, body });
    }),
  });
  assert.deepEqual(dictionaries(english.responses), ['/js/i18n/en.js', '/js/i18n/fr.js', '/js/i18n/index.js']);
  assert.equal(await english.page.locator('h1').textContent(), 'Your online services');
  await closePage(english.page);
});

/**
 * Loads `path` cold (a new browser context: nothing cached) and checks that every page,
 * script, style and API answer of ours came compressed and that all it received, headers
 * included, stays within `budget` KiB. The figure is printed (docs/performance.md).
 */
async function weigh(name, path, budget) {
  const { page, responses } = await load(path, { state: 'ready' });
  const ours = responses.filter((r) => r.url.startsWith(BASE));
  const textual = ours.filter((r) => /\.(js|css|html)$|\/$|\/api\//.test(new URL(r.url).pathname));
  assert.ok(textual.length >= 10, `the ${name}'s own resources: ${textual.map((r) => r.url)}`);
  for (const response of textual) {
    assert.ok(['br', 'gzip'].includes(response.encoding), `${response.url} is compressed (${response.encoding})`);
  }
  const kib = ours.reduce((sum, r) => sum + r.bytes, 0) / 1024;
  console.log(`${name}: ${ours.length} requests, ${kib.toFixed(1)} KiB received, cold`);
  assert.ok(kib <= budget, `the ${name} weighs ${kib.toFixed(1)} KiB (at most ${budget})`);
  await closePage(page);
}

test('pages, scripts, styles and the API answer compressed; the home page weighs at most 60 KiB', async () => {
  await weigh('home page', '/', 60);
});

test('the form of the civil-status certificate weighs at most 120 KiB, cold', async () => {
  await weigh('form', '/demarche.html?service=acte-etat-civil', 120);
});
