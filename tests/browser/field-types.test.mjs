// Every field type of docs/forms.md as demarche.html renders it, on a form served by a
// stand-in for the catalogue (the demo forms do not use every type): labels, help texts,
// required in words, radio groups, the repeatable group by keyboard, errors inside a group
// and an address, axe-core at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, closePage, focused, assertNoAxeViolations, overflow } from './helpers.mjs';

const FORM = {
  version: 1,
  pages: [{
    id: 'everything',
    title: 'Tous les types de questions',
    fields: [
      { id: 'name', type: 'text', label: 'Votre nom', help: 'Nom et prénom.', required: true, prefill: 'name' },
      { id: 'story', type: 'textarea', label: 'Votre message', help: 'Quelques lignes.' },
      { id: 'count', type: 'number', label: 'Combien ?', help: 'Un nombre entier.', integer: true, min: 1, max: 5 },
      { id: 'day', type: 'date', label: 'Quel jour ?', help: 'Une date passée.', date: 'past' },
      { id: 'mail', type: 'email', label: 'Courriel', help: 'Votre adresse.' },
      { id: 'tel', type: 'phone', label: 'Téléphone', help: 'Facultatif.' },
      { id: 'home', type: 'address', label: 'Adresse', help: 'Où vous habitez.', required: true },
      { id: 'colour', type: 'choice', label: 'Couleur préférée', help: 'Une seule.', required: true,
        options: [{ value: 'red', label: 'Rouge' }, { value: 'blue', label: 'Bleu' }] },
      { id: 'fruits', type: 'choices', label: 'Fruits', help: 'Plusieurs possibles.',
        options: [{ value: 'apple', label: 'Pomme' }, { value: 'pear', label: 'Poire' }] },
      { id: 'agree', type: 'yesno', label: 'Êtes-vous d\'accord ?', help: 'Oui ou non.', required: true },
      { id: 'more', type: 'text', label: 'Pourquoi non ?', help: 'Seulement si vous n\'êtes pas d\'accord.', when: { field: 'agree', equals: false } },
      { id: 'children', type: 'group', label: 'Enfants', help: 'Un à trois enfants.', required: true, min_items: 1, max_items: 3,
        fields: [
          { id: 'first_name', type: 'text', label: 'Prénom', help: 'Son prénom.', required: true },
          { id: 'born', type: 'date', label: 'Date de naissance', help: 'Sa date de naissance.' },
        ] },
    ],
  }],
  documents: [{ id: 'proof', title: 'Justificatif', description: 'Un justificatif.', when: { field: 'agree', equals: true } }],
};

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** demarche.html on the stand-in form; `evaluate` answers POST /evaluate when given. */
function open(options = {}, evaluate = null) {
  return openPage(browser, '/demarche.html?service=acte-etat-civil', {
    state: 'ready',
    ...options,
    setup: async (page) => {
      await page.route((url) => url.pathname === '/api/catalogue/services/acte-etat-civil/form',
        (route) => route.fulfill({ json: FORM }));
      if (evaluate) {
        await page.route((url) => url.pathname === '/api/submissions/evaluate', (route) => route.fulfill({ json: evaluate }));
      }
    },
  });
}

test('every field type has its label, help text and required marker; radios are grouped', async () => {
  const page = await open();
  try {
    for (const field of FORM.pages[0].fields.filter((f) => !f.when)) {
      const wrapper = page.locator(`[data-field="${field.id}"]`);
      const grouped = ['address', 'choice', 'choices', 'yesno', 'group'].includes(field.type) || field.date === 'past';
      assert.equal(await wrapper.evaluate((w) => w.tagName), grouped ? 'FIELDSET' : 'DIV', `${field.id}: fieldset for groups of controls`);
      const name = await wrapper.locator(grouped ? 'legend' : 'label').first().textContent();
      assert.equal(name.replace(/\s+/g, ' ').trim(), field.required ? `${field.label} (obligatoire)` : field.label, `${field.id}: label`);
      const described = grouped ? wrapper : wrapper.locator('input, textarea').first();
      const hintId = (await described.getAttribute('aria-describedby')).split(' ')[0];
      assert.ok((await page.locator(`#${hintId}`).textContent()).startsWith(field.help), `${field.id}: help text described`);
    }
    assert.deepEqual(await page.locator('[data-field="agree"] label').allTextContents(), ['Oui', 'Non']);
    assert.equal(await page.locator('[data-field="colour"] input[type="radio"]').count(), 2);
    assert.equal(await page.locator('[data-field="fruits"] input[type="checkbox"]').count(), 2);
    assert.deepEqual(await page.locator('[data-field="home"] label').allTextContents(),
      ['Numéro et voie (obligatoire)', "Complément d'adresse", 'Code postal (obligatoire)', 'Commune (obligatoire)']);
    // A date in the past (a birth, a death) is typed in three boxes, a future one picked.
    assert.deepEqual(await page.locator('[data-field="day"] .date-part label').allTextContents(), ['Jour', 'Mois', 'Année']);
    assert.equal(await page.locator('#f-day').getAttribute('inputmode'), 'numeric');
    await page.locator('#f-day').fill('5');
    await page.locator('#f-day-month').fill('3');
    await page.locator('#f-day-year').fill('1990');
    assert.equal(await page.locator('#f-count').getAttribute('inputmode'), 'numeric');
    assert.equal(await page.locator('#f-name').getAttribute('autocomplete'), 'name', 'prefilled fields say what they hold');

    // A condition on a yes/no answer: « Pourquoi non ? » shows only after « Non ».
    const more = page.locator('[data-field="more"]');
    assert.equal(await more.isVisible(), false);
    await page.locator('[data-field="agree"] input[value="false"]').check();
    assert.equal(await more.isVisible(), true);
    assert.equal(await page.locator('.documents-needed h3').count(), 0);
    await page.locator('[data-field="agree"] input[value="true"]').check();
    assert.equal(await more.isVisible(), false);
    assert.deepEqual(await page.locator('.documents-needed h3').allTextContents(), ['Justificatif']);
  } finally {
    await closePage(page);
  }
});

test('the repeatable group by keyboard: « Ajouter » and « Retirer » move focus sensibly', async () => {
  const page = await open();
  try {
    const items = page.locator('[data-field="children"] .group-item');
    assert.equal(await items.count(), 1, 'min_items items to start with');
    assert.equal(await page.locator('.group-remove').count(), 0, 'nothing to remove at the minimum');
    await page.locator('.group-add').focus();
    assert.equal((await focused(page)).text, 'Ajouter « Enfants »');
    await page.keyboard.press('Enter');
    assert.equal(await items.count(), 2);
    assert.equal((await focused(page)).id, 'f-children-1-first_name', 'focus goes to the new item');
    assert.equal((await items.nth(1).locator('legend').textContent()).replace(/\s+/g, ' '), 'Enfants, n° 2');
    await page.keyboard.type('Zoé');
    await page.locator('.group-add').focus();
    await page.keyboard.press('Space');
    assert.equal(await items.count(), 3);
    assert.equal(await page.locator('.group-add').isVisible(), false, 'no « Ajouter » at max_items');
    // Remove the second item: the third takes its place and its first input gets focus.
    await page.locator('#f-children-2-first_name').fill('Tom');
    await items.nth(1).locator('.group-remove').focus();
    assert.equal((await focused(page)).text, 'Retirer Enfants, n° 2');
    await page.keyboard.press('Enter');
    assert.equal(await items.count(), 2);
    assert.equal((await focused(page)).id, 'f-children-1-first_name');
    assert.equal(await page.locator('#f-children-1-first_name').inputValue(), 'Tom');
    assert.equal(await page.locator('.group-add').isVisible(), true);
    assert.match(await page.locator('[data-field="children"] [role="status"]').textContent(), /retiré/);
  } finally {
    await closePage(page);
  }
});

test('errors inside a group item and an address link to their inputs', async () => {
  const evaluation = {
    form_version: 1,
    pages: [{ id: 'everything', title: FORM.pages[0].title, fields: FORM.pages[0].fields.map((f) => f.id) }],
    documents: [],
    errors: [
      { field: 'home.postcode', message: 'Saisissez un code postal à 5 chiffres.' },
      { field: 'children[0].first_name', message: 'Saisissez une réponse.' },
      { field: 'fruits[1]', message: 'Choisissez une des réponses proposées.' },
    ],
  };
  const page = await open({}, evaluation);
  try {
    await page.locator('.step-form button[type="submit"]').click();
    await page.waitForSelector('.error-summary');
    assert.deepEqual((await page.locator('.error-summary a').allTextContents()).map((s) => s.replace(/\s+/g, ' ')), [
      'Adresse – Code postal : Saisissez un code postal à 5 chiffres.',
      'Enfants, n° 1 – Prénom : Saisissez une réponse.',
      'Fruits : Choisissez une des réponses proposées.',
    ]);
    const targets = [];
    for (const link of await page.locator('.error-summary a').all()) {
      await link.click();
      targets.push((await focused(page)).id);
    }
    assert.deepEqual(targets, ['f-home-postcode', 'f-children-0-first_name', 'f-fruits']);
    assert.equal(await page.locator('#f-home-postcode').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-home-street').getAttribute('aria-invalid'), null, 'only the part at fault');
  } finally {
    await closePage(page);
  }
});

for (const width of [1280, 360]) {
  test(`every field type: no axe violations at ${width}px`, async () => {
    const page = await open({ width, bypassCSP: true });
    try {
      await page.locator('[data-field="agree"] input[value="false"]').check();
      await page.locator('.group-add').click();
      await assertNoAxeViolations(page, `field types at ${width}px`);
      assert.ok(await overflow(page) <= 0, 'no horizontal scrolling');
    } finally {
      await closePage(page);
    }
  });
}
