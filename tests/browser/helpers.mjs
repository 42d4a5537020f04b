// Shared helpers of the browser tests: Debian's Chromium through playwright-core,
// axe-core injection, and small readers of the catalogue API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Base URL of the running portal (set by `cargo xtask test`). No server, no test: fail loudly. */
export const BASE = (() => {
  const url = process.env.PORTAL_URL;
  if (!url) {
    throw new Error('PORTAL_URL is not set. Start the portal (cargo run -p portal -- serve --port 8099 '
      + '--data-dir /tmp/site-data) and run PORTAL_URL=http://127.0.0.1:8099 npm test');
  }
  return url.replace(/\/+$/, '');
})();

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // French browser (date fields read jj/mm/aaaa, as citizens see them).
    args: ['--headless=new', '--lang=fr-FR', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Open `path` in a fresh context and wait until the page says it is done
 * (html[data-state] = "ready" or "error"). JavaScript errors fail the test, and so
 * does an HTTP status other than `status`.
 */
export async function openPage(browser, path, { width = 1280, height = 900, state, setup, bypassCSP = false, status = 200 } = {}) {
  const context = await browser.newContext({
    viewport: { width, height }, locale: 'fr-FR', reducedMotion: 'reduce', bypassCSP,
  });
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (err) => page.jsErrors.push(err.message));
  // The portal sends the production Content-Security-Policy: the site must not break it.
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
    (globalThis.__cspViolations ||= []).push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`);
  }));
  if (setup) await setup(page);
  const response = await page.goto(BASE + path);
  assert.equal(response.status(), status, `GET ${path} answered ${response.status()}`);
  await waitForState(page, state);
  return page;
}

/** Wait for html[data-state]; if `expected` is given, check it. */
export async function waitForState(page, expected) {
  await page.waitForSelector('html[data-state]', { timeout: 10_000 });
  const state = await page.getAttribute('html', 'data-state');
  if (expected) assert.equal(state, expected, `page ${page.url()} ended in state "${state}"`);
  assert.deepEqual(page.jsErrors ?? [], [], `JavaScript errors on ${page.url()}`);
  assert.deepEqual(await page.evaluate(() => globalThis.__cspViolations ?? []), [],
    `Content-Security-Policy violations on ${page.url()}`);
  return state;
}

export async function closePage(page) {
  await page.context().close();
}

function formatViolations(violations) {
  return violations.map((v) => [
    `• [${v.impact}] ${v.id}: ${v.help}`,
    `  ${v.helpUrl}`,
    ...v.nodes.slice(0, 5).map((n) => `  - ${n.target.join(' ')}\n    ${(n.failureSummary || '').replace(/\n/g, '\n    ')}`),
    v.nodes.length > 5 ? `  … and ${v.nodes.length - 5} more` : '',
  ].filter(Boolean).join('\n')).join('\n');
}

/**
 * Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) and require zero violations.
 * The page must come from openPage(..., { bypassCSP: true }): the portal's CSP forbids
 * the inline script that carries axe (the other tests keep the CSP on).
 */
export async function assertNoAxeViolations(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (values) => {
    const result = await globalThis.axe.run(document, { runOnly: { type: 'tag', values } });
    return result.violations;
  }, WCAG_TAGS);
  assert.equal(violations.length, 0,
    `${label} (${page.url()}): ${violations.length} accessibility violation(s)\n${formatViolations(violations)}`);
}

/** Describe the focused element. */
export function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return {
      tag: e.tagName.toLowerCase(), id: e.id, className: String(e.className || ''),
      text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' '),
      href: e.getAttribute('href'),
    };
  });
}

/** GET a JSON document of the API. */
export async function api(path) {
  const response = await fetch(BASE + path, { headers: { Accept: 'application/json' } });
  assert.equal(response.status, 200, `GET ${path} answered ${response.status}`);
  return response.json();
}

/** Every service of the catalogue, following the `next` cursors. */
export async function allServices(params = {}) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ ...params, ...(cursor ? { cursor } : {}) });
    const page = await api(`/api/catalogue/services?${query}`);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** The live region that announces search results. */
export const liveRegion = (page) => page.locator('[aria-live="polite"], [role="status"]').first();

/** Type in the search box and wait until the live region has announced the results of `query`. */
export async function searchFor(page, query, { submit = false } = {}) {
  const box = page.getByRole('searchbox', { name: 'Rechercher une démarche' });
  await box.fill('');
  await box.pressSequentially(query);
  if (submit) await box.press('Enter');
  await page.waitForFunction(
    (q) => {
      const text = document.querySelector('[aria-live="polite"], [role="status"]')?.textContent || '';
      return text.includes(`«\u00a0${q.trim()}\u00a0»`);
    },
    query, { timeout: 10_000 },
  );
  return (await liveRegion(page).textContent()).trim();
}

export const CITY_TITLE = async () => {
  const city = await api('/api/catalogue/city');
  return city.short_name || city.name;
};

// ---------------------------------------------------------------------------------------
// Emails: the portal started on loopback lists what it "sent" at /outbox/ (subjects and
// links decoded; a line naming the attachments may follow the subject). Without that page,
// PORTAL_DATA_DIR/outbox/*.eml is read instead.

const unescapeHtml = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Every message of the outbox, newest first: [{ file, to, subject, links }]. */
export async function outbox() {
  const response = await fetch(`${BASE}/outbox/`);
  if (response.ok) {
    const html = await response.text();
    return [...html.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>([^<]*)<\/td><td><a href="\/outbox\/([^"]+)">([^<]*)<\/a>(?:<br>[^<]*)?<\/td>(<td>[\s\S]*?<\/td>)<\/tr>/g)]
      .map(([, to, file, subject, links]) => ({
        file, to: unescapeHtml(to), subject: unescapeHtml(subject),
        links: [...links.matchAll(/<a href="([^"]+)">/g)].map((m) => unescapeHtml(m[1])),
      }));
  }
  const dir = process.env.PORTAL_DATA_DIR;
  if (!dir) throw new Error(`GET /outbox/ answered ${response.status} and PORTAL_DATA_DIR is not set: no way to read the emails`);
  const { readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const folder = join(dir, 'outbox');
  return readdirSync(folder).filter((f) => f.endsWith('.eml')).sort().reverse().map((file) => {
    const raw = readFileSync(join(folder, file), 'utf8');
    const header = (name) => decodeMimeWords((raw.match(new RegExp(`^${name}: ((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'mi'))?.[1] || '').replace(/\r?\n[ \t]/g, ' '));
    return { file, to: header('To'), subject: header('Subject'), links: [...new Set(decodeBody(raw).match(/https?:\/\/[^\s<>"]+/g) || [])] };
  });
}

function decodeMimeWords(text) {
  return text.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (m, enc, data) => (enc.toLowerCase() === 'b'
    ? Buffer.from(data, 'base64').toString('utf8')
    : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (x, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')));
}

function decodeBody(raw) {
  const parts = raw.split(/\r?\n\r?\n/);
  const body = parts.slice(1).join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(raw)) {
    return body.split(/\r?\n/).filter((l) => /^[A-Za-z0-9+/=]+$/.test(l.trim())).map((l) => Buffer.from(l, 'base64').toString('utf8')).join('');
  }
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Wait for the newest message to `to` whose subject matches; resolves to it. */
export async function waitForEmail(to, subject, { timeout = 10_000 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const found = (await outbox()).find((m) => m.to.toLowerCase().includes(to.toLowerCase()) && subject.test(m.subject));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no email to ${to} with a subject matching ${subject}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A fresh address for this run (rate limits count per email). */
export const freshEmail = (who = 'citoyen') => `${who}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@exemple.fr`;

/** The 6-digit code of the newest code email sent to `to`. */
export async function emailedCode(to) {
  const message = await waitForEmail(to, /code de confirmation/i);
  const code = message.subject.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `a 6-digit code in « ${message.subject} »`);
  return code;
}

/** A link of the newest message to `to` with a subject matching, whose path matches `path`. */
export async function emailedLink(to, subject, path) {
  const message = await waitForEmail(to, subject);
  const link = message.links.find((l) => path.test(new URL(l).pathname));
  assert.ok(link, `a link to ${path} in « ${message.subject} »: ${message.links.join(', ')}`);
  const url = new URL(link);
  return url.pathname + url.search + url.hash;
}

/** The page's horizontal overflow in px (0 or less: none). */
export const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
