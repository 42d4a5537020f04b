// The birth-certificate request on the demo city's `acte-etat-civil` form, and two ways of
// answering a page of demarche.html: by keyboard alone, or with Playwright's fill/check.
import assert from 'node:assert/strict';

export const SERVICE = 'acte-etat-civil';

/**
 * A valid request for one's own full birth certificate, page by page; keys are the API's
 * field paths (`postal_address.street`). The pages not listed stay hidden in this case.
 */
export function birthCertificate(email) {
  return [
    ['record', { record_kind: 'birth', copy_kind: 'full' }],
    ['link', { relation: 'self' }],
    ['person', {
      person_last_name: 'Martin', person_first_names: 'Léa, Anne', birth_date: '1990-03-15', parent1_name: 'Paul Martin',
    }],
    ['requester', { requester_email: email }],
    ['delivery', {
      'postal_address.street': '3 rue des Lilas', 'postal_address.postcode': '41000',
      'postal_address.city': 'Belleval-sur-Loire', copies: '1',
    }],
  ];
}

/** The heading's step title (« Étape 2 sur 5 » is its other part). */
export const stepTitle = (page) => page.locator('h1 .stepper-title').textContent();
export const stepState = async (page) => (await page.locator('h1 .stepper-state').textContent()).replace(/\s*:\s*$/, '');

/** Wait until the step titled `title` is shown (after « Continuer »). */
export async function waitForStep(page, title) {
  // A new error summary takes focus (an old one may still be there while the request runs).
  await page.waitForFunction((expected) => document.querySelector('h1 .stepper-title')?.textContent === expected
    || document.activeElement?.classList.contains('error-summary'), title, { timeout: 10_000 });
  const errors = await page.evaluate(() => (document.activeElement?.classList.contains('error-summary') ? document.activeElement.innerText : null));
  if (errors) throw new Error(`errors instead of « ${title} »: ${errors}`);
}

function describeFocus(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    const wrapper = e?.closest('[data-path]');
    return {
      tag: e?.tagName.toLowerCase(), type: e?.type || '', value: e?.value ?? '', checked: Boolean(e?.checked),
      path: wrapper?.dataset.path ?? null, text: (e?.innerText || '').trim(),
      submit: Boolean(e?.matches('.step-form button[type="submit"]')),
      dateDay: Boolean(e?.matches('.input-date-day')),
      radios: e?.type === 'radio' ? [...document.getElementsByName(e.name)].map((r) => ({ value: r.value, focused: r === e })) : null,
      visible: e ? e.getBoundingClientRect().width > 0 : false,
      outline: e ? getComputedStyle(e).outlineStyle !== 'none' : false,
    };
  });
}

const dateOrders = new WeakMap();
/**
 * The order of the day, month and year segments of <input type="date"> in this browser
 * (jj/mm/aaaa in a French Chromium, mm/dd/yyyy in one with only en-US): typed once into a
 * scratch page of its own, never into the site.
 */
async function dateOrder(page) {
  const browser = page.context().browser();
  if (!dateOrders.has(browser)) {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const scratch = await context.newPage();
    await scratch.setContent('<input type="date" id="d">');
    await scratch.focus('#d');
    await scratch.keyboard.type('01022003');
    const value = await scratch.inputValue('#d');
    await context.close();
    dateOrders.set(browser, value === '2003-02-01' ? ['day', 'month', 'year'] : ['month', 'day', 'year']);
  }
  return dateOrders.get(browser);
}

/** Type a YYYY-MM-DD date into a focused <input type="date"> in the browser's segment order. */
async function typeDate(page, iso) {
  const [year, month, day] = iso.split('-');
  for (const part of await dateOrder(page)) await page.keyboard.type({ year, month, day }[part]);
}

/**
 * Answer the current page by keyboard alone (Tab, Space, arrows, typing), then press Enter
 * on « Continuer ». Every Tab stop must be visible and outlined. Returns what « Étape
 * suivante » said once the answers were given, just before « Continuer ».
 */
export async function answerByKeyboard(page, wanted) {
  const done = new Set();
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const f = await describeFocus(page);
    assert.ok(f.visible, `Tab stop ${JSON.stringify(f)} is visible`);
    assert.ok(f.outline, `Tab stop ${f.path || f.text} shows its focus`);
    if (f.submit) {
      assert.deepEqual(Object.keys(wanted).filter((k) => !done.has(k)), [], 'every wanted answer was reached by Tab before « Continuer »');
      const announced = await page.locator('.stepper-next').innerText().catch(() => '');
      await page.keyboard.press('Enter');
      return announced.replace(/^Étape suivante\s*:?\s*/, '');
    }
    if (!f.path || !(f.path in wanted) || (done.has(f.path) && f.type !== 'checkbox')) continue;
    const want = wanted[f.path];
    if (f.type === 'radio') {
      const target = f.radios.findIndex((r) => r.value === String(want));
      const from = f.radios.findIndex((r) => r.focused);
      assert.ok(target >= 0, `${f.path}: no option ${want}`);
      if (target === from) {
        if (!f.checked) await page.keyboard.press('Space');
      } else {
        const key = target > from ? 'ArrowDown' : 'ArrowUp';
        for (let n = 0; n < Math.abs(target - from); n += 1) await page.keyboard.press(key);
      }
      const checked = await page.evaluate(() => document.activeElement.checked && document.activeElement.value);
      assert.equal(checked, String(want), `${f.path}: the arrow keys chose ${want}`);
    } else if (f.type === 'checkbox') {
      if (!f.checked && [].concat(want).includes(f.value)) await page.keyboard.press('Space');
      done.add(f.path);
      continue; // the other boxes of the group follow
    } else if (f.dateDay) {
      // Day, month and year in their three boxes, as the citizen types them.
      const [year, month, day] = want.split('-');
      for (const [i, part] of [String(Number(day)), String(Number(month)), year].entries()) {
        if (i > 0) await page.keyboard.press('Tab');
        await page.keyboard.type(part);
      }
    } else if (f.type === 'date') {
      await typeDate(page, want);
      assert.equal(await page.evaluate(() => document.activeElement.value), want, `${f.path}: date typed`);
    } else if (!f.value) {
      await page.keyboard.type(String(want));
    }
    done.add(f.path);
  }
  throw new Error('« Continuer » not reached by Tab');
}

/**
 * Fill `wanted` (answers by field path) into the fields under `scope` (a page or a
 * locator) with Playwright's fill/check: radios checked, a date known by heart typed in
 * its three boxes, any other input filled.
 */
export async function fillAnswers(scope, wanted) {
  for (const [path, value] of Object.entries(wanted)) {
    const wrapper = scope.locator(`[data-path="${path}"]`).first();
    const radio = wrapper.locator(`input[type="radio"][value="${value}"]`);
    const day = wrapper.locator('.input-date-day');
    if (await radio.count()) await radio.check();
    else if (await day.count()) {
      const [year, month, date] = String(value).split('-');
      await day.fill(date);
      await wrapper.locator('.input-date-month').fill(month);
      await wrapper.locator('.input-date-year').fill(year);
    } else await wrapper.locator('input, textarea').first().fill(String(value));
  }
}

/** Answer the current page with Playwright's fill/check (fast), then click « Continuer ». */
export async function answerDirectly(page, wanted, { submit = true } = {}) {
  await fillAnswers(page, wanted);
  if (submit) await page.locator('.step-form button[type="submit"]').click();
}

// ---------------------------------------------------------------------------------------
// Supporting documents: the step between the last page and the check page.

export const DOCUMENTS_STEP = 'Pièces justificatives';
export const CHECK_STEP = 'Vérifiez votre demande';

/** The bytes of a small, real-looking PDF (what the server sniffs is its `%PDF-` start). */
export function pdfBytes(text = 'Pièce justificative') {
  return Buffer.from(`%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ${text}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'utf8');
}

/** A file for Playwright's setInputFiles / FileChooser.setFiles. */
export const pdfFile = (name, text = name) => ({ name, mimeType: 'application/pdf', buffer: pdfBytes(text) });

/** A Windows executable renamed `.pdf` (its bytes start with `MZ`): the server must refuse it. */
export const spoofedPdf = (name = 'facture.pdf') => ({
  name, mimeType: 'application/pdf',
  buffer: Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]), Buffer.alloc(502, 0)]),
});

/** Add `file` to the document `id` with setInputFiles, and wait until it is listed. */
export async function addDocument(page, id, file) {
  await page.locator(`#doc-${id}-file`).setInputFiles(file);
  await page.locator(`#doc-${id} .file-item`).filter({ hasText: file.name }).waitFor({ timeout: 15_000 });
}

/**
 * On the documents step: a PDF for each document still missing, then « Continuer » to the
 * check page (the birth certificate for oneself needs the identity document only).
 */
export async function passDocuments(page, { name = 'piece-identite.pdf' } = {}) {
  await waitForStep(page, DOCUMENTS_STEP);
  for (const card of await page.locator('.document-card').all()) {
    if (await card.locator('.file-item').count() > 0) continue;
    const id = (await card.getAttribute('id')).replace(/^doc-/, '');
    await addDocument(page, id, pdfFile(name));
  }
  await page.locator('.documents-step button[type="submit"]').click();
  await waitForStep(page, CHECK_STEP);
}

const intercepting = new WeakSet();

/**
 * Open the file chooser of the focused control by keyboard (`key`: Space or Enter) and
 * choose `file` in it. Playwright intercepts file choosers only while someone listens, and
 * switches that on and off without waiting: a listener kept for the page's life (and one
 * round trip) leaves no moment when a chooser would open for real and never be seen.
 */
export async function chooseByKeyboard(page, file, key = 'Space') {
  if (!intercepting.has(page)) {
    intercepting.add(page);
    page.on('filechooser', () => {});
    await page.evaluate(() => 0);
  }
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press(key)]);
  await chooser.setFiles(file);
}
