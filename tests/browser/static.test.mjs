// Checks of the static site's sources that need no server: message catalogues,
// the plain-text renderer, page skeletons, and rules (no innerHTML, nothing external).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SITE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static-site');
const read = (file) => readFileSync(join(SITE, file), 'utf8');
const files = (dir, ext) => readdirSync(join(SITE, dir), { recursive: true })
  .filter((f) => f.endsWith(ext)).map((f) => join(dir, f));
const ALL_HTML = files('.', '.html');
/** The pages: each its front matter and its <main>, stamped into _frame.html by shared/site. */
const PAGES = ALL_HTML.filter((f) => read(f).startsWith('+++\n'));
const JS = files('js', '.js');

const { default: fr } = await import(join(SITE, 'js/i18n/fr.js'));
const { default: en } = await import(join(SITE, 'js/i18n/en.js'));
const { t } = await import(join(SITE, 'js/i18n/index.js'));
const { parseText } = await import(join(SITE, 'js/text.js'));

const placeholders = (msg) => JSON.stringify(msg).match(/\{\w+\}/g)?.sort() ?? [];

test('fr and en catalogues have the same keys, plural forms and placeholders', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
  for (const key of Object.keys(fr)) {
    assert.equal(typeof en[key], typeof fr[key], key);
    assert.deepEqual([...new Set(placeholders(en[key]))], [...new Set(placeholders(fr[key]))], key);
  }
});

test('every message key used by the pages and scripts exists', () => {
  const used = new Set();
  for (const file of ALL_HTML) {
    for (const m of read(file).matchAll(/data-i18n(?:-[\w-]+)?="([^"{]+)"/g)) used.add(m[1]);
    // A template's table of keys (the service page's sections).
    for (const m of read(file).matchAll(/"(\w+\.[\w.]+)"/g)) if (m[1] in fr) used.add(m[1]);
  }
  for (const file of JS) {
    for (const m of read(file).matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1]);
    for (const m of read(file).matchAll(/(?:notFound|notFoundTitle): '([\w.]+)'/g)) used.add(m[1]);
  }
  // The tracking page names the request's channel (t(`channel.${request.channel}`)).
  for (const kind of ['counter', 'phone', 'post', 'email', 'open311']) used.add(`channel.${kind}`);
  const missing = [...used].filter((key) => !(key in fr));
  assert.deepEqual(missing, [], 'keys used but not in the catalogue');
  // Keys may also be passed around as data (the service page's table of sections).
  // (The dictionaries themselves aside: they name every key.)
  const code = JS.filter((file) => !file.startsWith(join('js', 'i18n')));
  const literals = new Set(code.flatMap((file) => [...read(file).matchAll(/'([\w]+\.[\w.]+)'/g)].map((m) => m[1])));
  assert.deepEqual(Object.keys(fr).filter((key) => !used.has(key) && !literals.has(key)), [], 'catalogue keys nothing uses');
});

test('the French text written in the pages is the catalogue\'s', () => {
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  for (const file of ALL_HTML) {
    for (const m of read(file).matchAll(/<(\w+)[^>]*\sdata-i18n="([^"{]+)"[^>]*>([^<]*)</g)) {
      assert.equal(norm(m[3].replace(/&#39;|&apos;/g, "'")), norm(fr[m[2]]), `${file}: ${m[2]}`);
    }
  }
});

test('t() fills placeholders and picks French plural forms', () => {
  assert.equal(t('search.count', { count: 0, q: 'x' }), '0 démarche trouvée pour «\u00a0x\u00a0»');
  assert.equal(t('search.count', { count: 1, q: 'x' }), '1 démarche trouvée pour «\u00a0x\u00a0»');
  assert.equal(t('search.count', { count: 12, q: 'x' }), '12 démarches trouvées pour «\u00a0x\u00a0»');
  assert.equal(t('search.none', { q: 'x' }).startsWith('Aucune démarche trouvée pour «\u00a0x\u00a0»'), true);
  assert.equal(t('unknown.key'), 'unknown.key');
});

test('plain text: blank lines separate paragraphs, "- " lines are list items', () => {
  assert.deepEqual(parseText(''), []);
  assert.deepEqual(parseText(null), []);
  assert.deepEqual(parseText('\nUn.\nSuite du un.\n\nDeux.'), [
    { type: 'p', text: 'Un. Suite du un.' }, { type: 'p', text: 'Deux.' }]);
  assert.deepEqual(parseText('Avant :\n- a ;\n- b,\n  suite de b.\nAprès.\r\n\r\n- c'), [
    { type: 'p', text: 'Avant :' }, { type: 'ul', items: ['a ;', 'b, suite de b.'] },
    { type: 'p', text: 'Après.' }, { type: 'ul', items: ['c'] }]);
  assert.deepEqual(parseText('-5 degrés, pas une liste'), [{ type: 'p', text: '-5 degrés, pas une liste' }]);
  assert.deepEqual(parseText('<b>x</b>'), [{ type: 'p', text: '<b>x</b>' }]);
});

test('the frame holds the skeleton once; each page is its front matter and its main', () => {
  const frame = read('_frame.html');
  assert.match(frame, /<!doctype html>\n<html lang="fr">/);
  assert.match(frame, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.doesNotMatch(frame, /maximum-scale|user-scalable/, 'zoom must stay possible');
  assert.match(frame, /<body[^>]*>\s*<a class="skip-link" href="#contenu"/, 'skip link first');
  assert.match(frame, /<header class="site-header[\s\S]*\{\{ main \}\}[\s\S]*<footer class="site-footer">/);
  assert.match(frame, /<a id="account-link" class="header-link" href="\/compte\/connexion\.html"/, 'the header links to the account');
  for (const file of PAGES) {
    const html = read(file);
    assert.match(html, /^\+\+\+\ntitle = "[^"]+"\n(?:description = "[^"]+"\n)?script = "\/js\/(?:[\w-]+\/)*[\w.-]+\.js"\n(?:space = "agents"\n|each = "(?:service|category)"\n)?\+\+\+\n(?:\{#[\s\S]*?#\}\n)?(?:\{%-? set [\s\S]*\n)?<main id="contenu" tabindex="-1"(?: data-service="\{\{ service\.slug \}\}")?>/, `${file}: front matter, then main`);
    assert.equal(html.match(/<h1[\s>]/g)?.length, 1, `${file}: one h1`);
    assert.doesNotMatch(html, /<(?:head|header|footer|script)[\s>]/, `${file}: the frame's parts are the frame's`);
  }
});

test('every script and preloaded module a page names exists', () => {
  for (const file of ALL_HTML) {
    for (const m of read(file).matchAll(/(?:src|href|script) ?= ?"\/(js\/[^"]+\.js)"/g)) {
      if (m[1] === 'js/conditions.js') continue; // written alongside, checked by conditions.test.mjs
      assert.ok(JS.includes(m[1]), `${file}: ${m[1]} does not exist`);
    }
  }
});

test('every API call goes through api.js, which sends the CSRF header on every state change', () => {
  for (const file of JS.filter((f) => f !== join('js', 'api.js'))) {
    assert.doesNotMatch(read(file), /\bfetch\(|XMLHttpRequest/, `${file}: calls the API outside api.js`);
  }
  const client = read('js/api.js');
  assert.match(client, /'X-GRU-CSRF': '1'/);
  assert.match(client, /'Content-Type': 'application\/json'/);
});

test('no HTML injection API, nothing loaded from elsewhere, no new windows', () => {
  const code = (file) => read(file).replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  for (const file of JS) {
    assert.doesNotMatch(code(file), /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, file);
  }
  for (const file of [...ALL_HTML, ...JS, ...files('css', '.css')]) {
    const source = code(file);
    assert.doesNotMatch(source, /(?:src|href)=["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import|import\s+[^;]*from\s+["']https?:/, `${file}: external resource`);
    assert.doesNotMatch(source, /_blank/, `${file}: no target=_blank`);
  }
});
