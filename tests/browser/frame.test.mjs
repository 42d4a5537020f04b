// The city's look from the first byte: with JavaScript off, every page already shows the
// city's name, logo, colours, favicon, theme colour and contact (shared/site stamps them
// into the page frame when the portal builds the site).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, api, BASE } from './helpers.mjs';

let browser;
let city;
before(async () => {
  browser = await launch();
  city = await api('/api/catalogue/city');
});
after(() => browser?.close());

/** `#rrggbb` as the browser computes it: `rgb(r, g, b)`. */
const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

for (const path of ['/', '/demarches/acte-etat-civil/', '/demarche.html?service=acte-etat-civil', '/compte/connexion.html', '/admin/']) {
  test(`without JavaScript, ${path} has the city's look and contact`, async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    try {
      const page = await context.newPage();
      const response = await page.goto(BASE + path);
      assert.equal(response.status(), 200);
      assert.equal((await page.locator('.brand-name').textContent()).trim(), city.name);
      assert.equal(await page.locator('.brand-logo').getAttribute('src'), city.logo);
      assert.equal(await page.locator('link[rel="icon"]').getAttribute('href'), city.logo);
      assert.equal(await page.locator('meta[name="theme-color"]').getAttribute('content'), city.colours.primary);
      assert.match(await page.title(), new RegExp(`– ${city.name}$`));
      const header = await page.locator('.site-header').evaluate((e) => getComputedStyle(e).borderTopColor);
      assert.equal(header, rgb(city.colours.primary), 'the header edged in the city\'s colour');
      const footer = await page.locator('.site-footer').innerText();
      for (const text of [city.contact.phone, city.contact.email, ...city.links.map((l) => l.label)]) {
        assert.ok(footer.includes(text), `the footer says « ${text} »`);
      }
      assert.doesNotMatch(await page.content(), /Services en ligne<\/span>|#000091/, 'no placeholder look');
    } finally {
      await context.close();
    }
  });
}
