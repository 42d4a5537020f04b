// The city's look from the first byte: with JavaScript off, every page already shows the
// city's name, logo, colours, favicon, theme colour and contact (shared/site stamps them
// into the page frame when the portal builds the site), and every page of the catalogue
// has its content: a visitor or a search engine without JavaScript reads it all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, api, allServices, BASE } from './helpers.mjs';

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

test('without JavaScript, the home page, every category and every service page have their content', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const { items: categories } = await api('/api/catalogue/categories');
  const { items: featured } = await api('/api/catalogue/featured');
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    assert.deepEqual(await page.locator('#category-list h3 a').allTextContents(), categories.map((c) => c.title));
    assert.deepEqual(await page.locator('#popular-list h3 a').allTextContents(), featured.map((s) => s.title));
    assert.ok((await page.locator('meta[name="description"]').getAttribute('content')).includes(city.name));

    // From the home page to a category, to a service, by their links.
    for (const category of categories) {
      await page.goto(`${BASE}/`);
      await page.getByRole('link', { name: category.title, exact: true }).first().click();
      assert.equal(new URL(page.url()).pathname, `/themes/${category.slug}/`);
      assert.equal(await page.locator('h1').textContent(), category.title);
      const services = await allServices({ category: category.slug });
      assert.equal(await page.locator('#services-list > li').count(), services.length, category.slug);
    }
    for (const { slug } of await allServices()) {
      const service = await api(`/api/catalogue/services/${slug}`);
      const response = await page.goto(`${BASE}/demarches/${slug}/`);
      assert.equal(response.status(), 200, slug);
      assert.equal(await page.locator('h1').textContent(), service.title);
      assert.equal(await page.title(), `${service.title} – ${city.name}`);
      assert.ok((await page.locator('meta[name="description"]').getAttribute('content')).length > 0, `${slug}: a description`);
      assert.equal(await page.locator('.service-summary dt').first().isVisible(), true, `${slug}: « En bref »`);
      assert.deepEqual(await page.locator('#pieces ul.documents > li > h3').allTextContents(), service.presentation.documents.map((d) => d.title));
      assert.doesNotMatch(await page.locator('main').innerText(), /Chargement/, `${slug}: nothing waits for a script`);
    }
  } finally {
    await context.close();
  }
});
