// The CloudFront function of infra/template.yaml, run here on the requests CloudFront
// would give it (no AWS needed): moved addresses, directory indexes, pre-compressed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'infra', 'template.yaml');

/** The `handler` of SiteRequestFunction's code, as CloudFront runs it. */
function siteRequestHandler() {
  const yaml = readFileSync(TEMPLATE, 'utf8');
  const block = /\n  SiteRequestFunction:\n[\s\S]*?\n      FunctionCode: \|\n((?: {8}.*\n|\n)+)/.exec(yaml);
  assert.ok(block, 'SiteRequestFunction and its code in the template');
  const code = block[1].split('\n').map((line) => line.slice(8)).join('\n');
  return new Function(`${code}\nreturn handler;`)();
}

const handler = siteRequestHandler();

/** A viewer request as CloudFront gives it to the function. */
const request = (uri, { slug, encoding } = {}) => ({
  request: {
    uri,
    querystring: slug === undefined ? {} : { slug: { value: slug } },
    headers: encoding === undefined ? {} : { 'accept-encoding': { value: encoding } },
  },
});

test('the first site\'s addresses lead for good to the catalogue\'s pages; a bad slug goes home', () => {
  for (const [uri, slug, location] of [
    ['/service.html', 'acte-etat-civil', '/demarches/acte-etat-civil/'],
    ['/categorie.html', 'etat-civil', '/themes/etat-civil/'],
    ['/service.html', undefined, '/'],
    ['/service.html', '../admin', '/'],
    ['/service.html', '//ailleurs.example', '/'],
    ['/service.html', 'a'.repeat(65), '/'],
  ]) {
    const answer = handler(request(uri, { slug }));
    assert.equal(answer.statusCode, 308, `${uri}?slug=${slug}`);
    assert.equal(answer.headers.location.value, location, `${uri}?slug=${slug}`);
  }
});

test('a folder is its index page, and a folder without its slash is redirected to it', () => {
  assert.equal(handler(request('/demarches/acte-etat-civil/')).uri, '/demarches/acte-etat-civil/index.html');
  const answer = handler(request('/admin'));
  assert.equal(answer.statusCode, 301);
  assert.equal(answer.headers.location.value, '/admin/');
});

test('a text file is read in the brotli or gzip form the browser accepts; images and the city\'s files as they are', () => {
  for (const [uri, encoding, expected] of [
    ['/js/ui.8d50d318ed.js', 'gzip, deflate, br, zstd', '/js/ui.8d50d318ed.js.br'],
    ['/css/site.ff85d3a3c8.css', 'gzip', '/css/site.ff85d3a3c8.css.gz'],
    ['/', 'br', '/index.html.br'],
    ['/sitemap.xml', 'identity', '/sitemap.xml'],
    ['/js/ui.8d50d318ed.js', undefined, '/js/ui.8d50d318ed.js'],
    ['/js/ui.8d50d318ed.js', 'brotli-like', '/js/ui.8d50d318ed.js'],
    ['/city/logo.svg', 'br', '/city/logo.svg'],
    ['/favicon.png', 'br', '/favicon.png'],
  ]) {
    assert.equal(handler(request(uri, { encoding })).uri, expected, `${uri} (${encoding})`);
  }
});
