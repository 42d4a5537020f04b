// No dead links: crawl the site from the home page in the browser (some links are
// built by JavaScript), fetch every same-origin link and resource, check in-page anchors,
// and check that external links are marked and safe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, closePage } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

const origin = new URL(BASE).origin;
const isPage = (url) => url.origin === origin && (url.pathname.endsWith('/') || url.pathname.endsWith('.html'));

test('every link on every page points to an existing page', async () => {
  const unknown = '/demarches/demarche-inexistante/';
  const queue = ['/', '/404.html', unknown];
  const seen = new Set(queue);
  const checked = new Map(); // same-origin URL (without fragment) -> HTTP status
  const problems = [];
  let external = 0;

  async function status(url) {
    if (!checked.has(url)) {
      const response = await fetch(url, { redirect: 'manual' });
      checked.set(url, response.status);
    }
    return checked.get(url);
  }

  while (queue.length > 0) {
    const path = queue.shift();
    const page = await openPage(browser, path, { status: path === unknown ? 404 : 200 });
    try {
      const found = await page.evaluate(() => ({
        links: [...document.querySelectorAll('a')].map((a) => ({
          href: a.getAttribute('href'), resolved: a.href, text: a.textContent.trim(), rel: a.rel,
          target: a.target, srText: a.querySelector('.sr-only')?.textContent || '',
          external: a.classList.contains('external'),
        })),
        resources: [...document.querySelectorAll('img[src], script[src], link[href]')]
          .map((el) => el.src || el.href).filter((u) => !u.startsWith('data:')),
        ids: [...document.querySelectorAll('[id]')].map((el) => el.id),
      }));
      for (const link of found.links) {
        const where = `${path}: « ${link.text} » (${link.href})`;
        if (!link.href || link.href === '#' || /^javascript:/i.test(link.href)) {
          problems.push(`${where}: empty or dummy href`);
          continue;
        }
        const url = new URL(link.resolved);
        if (url.protocol === 'mailto:' || url.protocol === 'tel:') continue;
        if (url.origin !== origin) {
          external += 1;
          if (!/\bnoopener\b/.test(link.rel)) problems.push(`${where}: external link without rel="noopener"`);
          if (!link.external) problems.push(`${where}: external link not marked as such`);
          if (link.target === '_blank' && !link.srText.includes('nouvelle fenêtre')) problems.push(`${where}: new window not announced`);
          continue;
        }
        const target = url.href.replace(/#.*$/, '');
        const samePage = target === page.url().replace(/#.*$/, '');
        // The page itself was opened already (the 404 page answers 404, as it should).
        const code = samePage ? 200 : await status(target);
        if (code !== 200) problems.push(`${where}: HTTP ${code}`);
        if (url.hash) {
          const id = decodeURIComponent(url.hash.slice(1));
          if (samePage && !found.ids.includes(id)) problems.push(`${where}: no element with id "${id}"`);
        }
        const key = url.pathname + url.search;
        if (isPage(url) && !seen.has(key)) {
          seen.add(key);
          queue.push(key);
        }
      }
      for (const resource of found.resources) {
        const code = await status(resource);
        if (code !== 200) problems.push(`${path}: resource ${resource}: HTTP ${code}`);
      }
    } finally {
      await closePage(page);
    }
  }
  assert.deepEqual(problems, [], `dead or unsafe links:\n${problems.join('\n')}`);
  const pages = [...seen];
  assert.ok(pages.some((p) => p.startsWith('/themes/')), 'the crawl reached category pages');
  assert.ok(pages.includes('/demarches/acte-etat-civil/'), 'the crawl reached the acte-etat-civil page');
  assert.ok(external > 0, 'the footer links of the city profile were checked');
});

test('the first site\'s addresses lead for good to the pages that replaced them', async () => {
  for (const [old, now] of [
    ['/service.html?slug=acte-etat-civil', '/demarches/acte-etat-civil/'],
    ['/categorie.html?slug=etat-civil', '/themes/etat-civil/'],
    ['/service.html', '/'],
  ]) {
    const response = await fetch(`${BASE}${old}`, { redirect: 'manual' });
    assert.equal(response.status, 308, old);
    assert.equal(response.headers.get('location'), now, old);
  }
  const unknown = await fetch(`${BASE}/demarches/demarche-inexistante/`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /Page introuvable/);
});

test('search engines find the sitemap of the catalogue\'s pages, and every page in it answers', async () => {
  const robots = await (await fetch(`${BASE}/robots.txt`)).text();
  const sitemap = /^Sitemap: (.+)$/m.exec(robots)?.[1];
  assert.ok(sitemap, robots);
  const xml = await (await fetch(`${BASE}${new URL(sitemap).pathname}`)).text();
  const addresses = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]).pathname);
  assert.ok(addresses.includes('/demarches/acte-etat-civil/') && addresses.some((a) => a.startsWith('/themes/')), xml);
  for (const address of addresses) {
    assert.equal((await fetch(`${BASE}${address}`)).status, 200, address);
  }
});

test('an unknown address answers 404 with the site\'s 404 page', async () => {
  const response = await fetch(`${BASE}/cette-page-n-existe-pas.html`);
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type') || '', /text\/html/);
  assert.match(await response.text(), /Page introuvable/);
});
