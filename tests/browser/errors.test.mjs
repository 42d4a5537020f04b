// The error summary of the form: focused, role="alert", each error a link that moves focus
// to its field; the message next to each field (aria-invalid, aria-describedby); the page
// title says there are errors. Server-side rules (a date in the past) come back the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, closePage, focused, api } from './helpers.mjs';
import { SERVICE, waitForStep, answerDirectly } from './journey.mjs';

let browser;
let form;
before(async () => {
  browser = await launch();
  form = await api(`/api/catalogue/services/${SERVICE}/form`);
});
after(() => browser?.close());

const fieldOf = (id) => form.pages.flatMap((p) => p.fields).find((f) => f.id === id);

/** Press Enter on « Continuer » by keyboard and wait for the error summary to take focus. */
async function continueWithErrors(page) {
  await page.locator('.step-form button[type="submit"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'), null, { timeout: 10_000 });
}

test('the error summary is focused, names each field, and each link moves focus to its field', async () => {
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    await continueWithErrors(page);
    const summary = page.locator('.error-summary');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.equal(await summary.locator('h2').textContent(), 'Corrigez les erreurs suivantes');
    assert.match(await page.title(), /^Erreur\s:\s/, 'the title says there are errors');
    const links = summary.locator('a');
    const required = ['record_kind', 'copy_kind']; // copy_kind shows until « décès » is chosen
    assert.deepEqual((await links.allTextContents()).map((s) => s.replace(/\s+/g, ' ')),
      required.map((id) => `${fieldOf(id).label} Choisissez une réponse.`));
    assert.ok(required.every((id) => fieldOf(id).label.endsWith('?')), 'questions: no « ? : » after them');
    assert.doesNotMatch(await summary.innerText(), /\?\s*:/);

    for (const [i, id] of required.entries()) {
      await links.nth(i).focus();
      await page.keyboard.press('Enter');
      const now = await page.evaluate(() => ({ name: document.activeElement.name, type: document.activeElement.type }));
      assert.deepEqual(now, { name: `f-${id}`, type: 'radio' }, `the link of ${id} focuses its first option`);
      const fieldset = page.locator(`fieldset[data-path="${id}"]`);
      const described = (await fieldset.getAttribute('aria-describedby')).split(' ');
      const message = page.locator(`#${described.find((d) => d.endsWith('-error'))}`);
      assert.equal((await message.textContent()).replace(/\s+/g, ' '), 'Erreur : Choisissez une réponse.');
      assert.ok(described.some((d) => d.endsWith('-hint')), 'the help text stays described');
      for (const radio of await fieldset.locator('input').all()) assert.equal(await radio.getAttribute('aria-invalid'), 'true');
      await page.keyboard.press('Shift+Tab');
      assert.notEqual((await focused(page)).tag, 'body');
    }

    // Answering clears the errors on the next « Continuer ».
    await answerDirectly(page, { record_kind: 'birth', copy_kind: 'full' });
    await waitForStep(page, form.pages.find((p) => p.id === 'link').title);
    assert.equal(await page.locator('.error-summary, .field-error, [aria-invalid]').count(), 0);
    assert.doesNotMatch(await page.title(), /^Erreur/);
  } finally {
    await closePage(page);
  }
});

test('text and date errors from the server link to their inputs; a date must be in the past', async () => {
  const page = await openPage(browser, `/demarche.html?service=${SERVICE}`, { state: 'ready' });
  try {
    await answerDirectly(page, { record_kind: 'death' });
    await waitForStep(page, form.pages.find((p) => p.id === 'person').title);
    await page.locator('#f-person_last_name').fill('Martin');
    // A date known by heart: day, month and year in three boxes.
    await page.locator('#f-death_date').fill('1');
    await page.locator('#f-death_date-month').fill('1');
    await page.locator('#f-death_date-year').fill('2999');
    await continueWithErrors(page);
    const items = (await page.locator('.error-summary a').allTextContents()).map((s) => s.replace(/\s+/g, ' '));
    assert.ok(items.includes(`${fieldOf('death_date').label} : Saisissez une date passée.`), items.join(' | '));
    assert.ok(items.includes(`${fieldOf('person_first_names').label} : Saisissez une réponse.`), items.join(' | '));
    await page.locator('.error-summary a', { hasText: fieldOf('death_date').label }).focus();
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'f-death_date');
    const input = page.locator('#f-death_date');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.equal(await input.inputValue(), '1', 'the day typed is kept');
    const described = await page.locator('fieldset[data-path="death_date"]').getAttribute('aria-describedby');
    assert.match(described, /f-death_date-hint/);
    assert.match(described, /f-death_date-error/);
    assert.equal(await page.locator('[data-path="death_date"]').evaluate((w) => w.classList.contains('field-invalid')), true);
    // The answer given is kept.
    assert.equal(await page.locator('#f-person_last_name').inputValue(), 'Martin');
  } finally {
    await closePage(page);
  }
});
