// The browser's condition language and form visibility (static-site/js/conditions.js)
// and what text shows nothing (static-site/js/visible.js)
// against the vectors the Rust implementation runs (shared/domain/tests/vectors/):
// both must agree on every one. Needs no browser and no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holds, visibility, visibleAnswers, requiredDocuments } from '../../static-site/js/conditions.js';
import { hasVisible, trimInvisible } from '../../static-site/js/visible.js';

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'domain', 'tests', 'vectors');
const vectors = (file) => JSON.parse(readFileSync(join(VECTORS, file), 'utf8'));

test('condition vectors', async (t) => {
  const cases = vectors('conditions.json');
  assert.ok(cases.length >= 70, `only ${cases.length} condition vectors`);
  for (const v of cases) {
    await t.test(v.name, () => {
      assert.equal(holds(v.condition, v.answers), v.holds, v.name);
    });
  }
});

test('form visibility vectors', async (t) => {
  const cases = vectors('forms.json');
  assert.ok(cases.length >= 12, `only ${cases.length} form vectors`);
  for (const v of cases) {
    await t.test(v.name, () => {
      assert.deepEqual(visibility(v.form, v.answers), v.visible, v.name);
      assert.deepEqual(requiredDocuments(v.form, v.answers).map((d) => d.id), v.documents, v.name);
      const kept = visibleAnswers(v.form, v.answers);
      assert.deepEqual(Object.keys(kept), v.visible.fields.filter((id) => id in v.answers), v.name);
      for (const id of Object.keys(kept)) assert.equal(kept[id], v.answers[id], `${v.name}: ${id} kept as given`);
    });
  }
});

test('text vectors: what shows nothing (visible.js)', async (t) => {
  const cases = vectors('visible.json');
  assert.ok(cases.length >= 150, `only ${cases.length} text vectors`);
  for (const v of cases) {
    await t.test(v.name, () => {
      assert.equal(hasVisible(v.text), v.visible, v.name);
      assert.equal(trimInvisible(v.text), v.trimmed, v.name);
    });
  }
});

test('answers named like Object.prototype members are plain answers', () => {
  assert.equal(holds({ field: 'constructor', filled: true }, {}), false);
  assert.equal(holds({ field: 'toString', not_equals: 'x' }, {}), true);
});

test('a malformed condition is a bug, not a silent false', () => {
  assert.throws(() => holds({ field: 'a', equal: 1 }, { a: 1 }), TypeError);
});
