// No dead links: crawl the site from the home page in the browser (links are built by
// JavaScript), fetch every same-origin link and resource, check in-page anchors,
// and check that external links are marked and safe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, closePage } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

const origin = new URL(BASE).origin;
const isPage = (url) => url.origin === origin && (url.pathname === '/' || url.pathname.endsWith('.html'));

test('every link on every page points to an existing page', async () => {
  const queue = ['/', '/404.html', '/service.html?slug=demarche-inexistante'];
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
    const page = await openPage(browser, path);
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
        const code = await status(target);
        if (code !== 200) problems.push(`${where}: HTTP ${code}`);
        if (url.hash) {
          const samePage = target === page.url().replace(/#.*$/, '');
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
  assert.ok(pages.some((p) => p.startsWith('/categorie.html?slug=')), 'the crawl reached category pages');
  assert.ok(pages.includes('/service.html?slug=acte-etat-civil'), 'the crawl reached the acte-etat-civil page');
  assert.ok(external > 0, 'the footer links of the city profile were checked');
});

test('an unknown address answers 404 with the site\'s 404 page', async () => {
  const response = await fetch(`${BASE}/cette-page-n-existe-pas.html`);
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type') || '', /text\/html/);
  assert.match(await response.text(), /Page introuvable/);
});
