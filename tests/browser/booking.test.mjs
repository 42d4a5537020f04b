// Appointments (/rendez-vous/, the dashboard, /admin/planning.html): the « Prendre rendez-vous »
// link of a service, a slot booked by keyboard alone (place chosen with the arrow keys, each
// slot a button named by its whole date, time and place), the emailed confirmation with its
// .ics and manage link; a slot taken meanwhile said in a focused alert and the slots read
// again; the server's refusals (a field error, an expired hold); the manage link: a move to another slot (the old link dead) and a cancellation
// after a confirmation step; a signed-in citizen's « Mes rendez-vous » with its cancel
// button; « Étape suivante : prendre rendez-vous » after a sent form; the agents' planning
// (an appointment taken for a caller, attendance refused before the day, a cancellation
// with its reason, taking it off the planning, a day closed listing the appointments to move). axe-core at 1280 and
// 360 px on every page and state.
//
// The portal's clock is real time: every slot used comes from the availability API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, waitForState, assertNoAxeViolations, overflow, focused, BASE, CITY_TITLE, api, freshEmail, waitForEmail, outbox,
} from './helpers.mjs';
import { createAgentByCli, AgentSession, citizenAccount, totp } from './admin-helpers.mjs';

const TYPE = 'titre-identite';
const PASSPORT = 'passeport-carte-identite';
const SLOT_TAKEN = 'Ce créneau vient d\'être pris. Choisissez-en un autre.';

let browser;
let cityTitle;
let types;
/** The first booking's manage link, for the cancellation test. */
let firstBooking;

before(async () => {
  browser = await launch();
  cityTitle = await CITY_TITLE();
  types = await api('/api/booking/types');
});
after(() => browser?.close());

const typeOf = (id) => types.find((type) => type.id === id);
/** A slot's label without its place (« lundi 29 mars 2027 à 9 h 00 »): how an appointment is labelled. */
const when = (label) => label.replace(/ — .*$/, '');
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A context as the other tests make them: French, reduced motion, CSP bypassed for axe. */
function newContext(width = 1280) {
  return browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR', reducedMotion: 'reduce', bypassCSP: true });
}

async function open(context, path, state = 'ready') {
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (err) => page.jsErrors.push(err.message));
  const response = await page.goto(BASE + path);
  assert.equal(response.status(), 200, `GET ${path}`);
  await waitForState(page, state);
  return page;
}

/** axe at 1280 and 360 px, no sideways scrolling, then back to 1280. */
async function axeBoth(page, label) {
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await assertNoAxeViolations(page, `${label} at ${width}px`);
    assert.ok(await overflow(page) <= 0, `${label} at ${width}px: no horizontal scrolling`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Press Tab (or `key`) until the focused element matches `selector`. */
async function tabTo(page, selector, key = 'Tab', max = 80) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(key);
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`${selector} not reached with ${key}`);
}

/** The slots' live region once it has said what it found (not « Recherche… »). */
async function slotsSaid(page, prefix = 'slots') {
  await page.waitForFunction((id) => {
    const region = document.getElementById(`${id}-status`);
    const days = document.getElementById(`${id}-days`);
    return region && days && !days.hasAttribute('aria-busy') && /disponible/.test(region.textContent) && !/Recherche/.test(region.textContent);
  }, prefix, { timeout: 15_000 });
  return page.locator(`#${prefix}-status`).textContent();
}

/** POST of the citizens' booking API from node (CSRF header, JSON). */
async function post(path, body, headers = {}) {
  const response = await fetch(`${BASE}/api/booking/${path}`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-GRU-CSRF': '1', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The free slots of `type` (in `agenda`), flattened in time order. */
async function slots(type, { agenda, from, days = 31 } = {}) {
  const query = new URLSearchParams({ type, days: String(days), ...(agenda ? { agenda } : {}), ...(from ? { from } : {}) });
  const answer = await api(`/api/booking/availability?${query}`);
  return answer.days.flatMap((day) => day.slots.map((slot) => ({ ...slot, date: day.date, dayLabel: day.label })));
}

/** The raw .eml of an outbox message (to look at its attachments). */
async function rawEmail(message) {
  const response = await fetch(`${BASE}/outbox/${message.file}`);
  assert.equal(response.status, 200, `GET /outbox/${message.file}`);
  const raw = await response.text();
  // Attachments may be base64: decode every base64 block so the calendar can be read.
  const decoded = raw.split(/\r?\n\r?\n/).map((part) => {
    const lines = part.split(/\r?\n/).filter((l) => /^[A-Za-z0-9+/=]{8,}$/.test(l.trim()));
    return lines.length > 0 ? Buffer.from(lines.join(''), 'base64').toString('utf8') : '';
  }).join('\n');
  // The text part is quoted-printable: decode it too, so the French text can be read.
  const printable = Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  return `${raw}\n${decoded}\n${printable}`;
}

test('the service page of a service with an appointment offers « Prendre rendez-vous »', async () => {
  const service = await api(`/api/catalogue/services/${PASSPORT}`);
  assert.deepEqual(service.appointment, { type: TYPE, required: true }, 'the catalogue gives the service\'s appointment');
  const context = await newContext();
  try {
    const page = await open(context, `/demarches/${PASSPORT}/`);
    const link = page.getByRole('link', { name: 'Prendre rendez-vous' }).first();
    assert.equal(await page.getByRole('link', { name: 'Prendre rendez-vous' }).count(), 2, 'at the top and at the end');
    assert.equal(await link.getAttribute('href'), `/rendez-vous/?type=${TYPE}`);
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/rendez-vous\/\?type=titre-identite$/);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), 'Choisissez un créneau');

    await axeBoth(page, 'prise de rendez-vous depuis la démarche');
  } finally {
    await context.close();
  }
});

test('keyboard only: a place chosen with the arrow keys, a slot by its full name, the details, the confirmation and its email', async () => {
  const type = typeOf(TYPE);
  assert.ok(type && type.agendas.length >= 2, 'the demo offers passports in two town halls');
  const context = await newContext();
  const email = freshEmail('rdv');
  try {
    const page = await open(context, `/rendez-vous/?type=${TYPE}`);
    assert.equal(await page.title(), `Choisissez un créneau – ${type.title} – ${cityTitle}`);
    assert.equal(await page.locator('h1').count(), 1);
    assert.equal(await page.locator('#form-service').textContent(), type.title);
    const region = page.locator('#slots-status');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    assert.equal(await region.getAttribute('role'), 'status');
    assert.match(await slotsSaid(page), /créneaux? disponibles? du /);

    // « N'importe quelle mairie » and each town hall, as radios in a fieldset.
    const radios = page.locator('.slot-places').getByRole('radio');
    assert.deepEqual(await radios.evaluateAll((inputs) => inputs.map((i) => i.labels[0].querySelector('span').textContent)),
      ['N\'importe quelle mairie', ...type.agendas.map((a) => a.title)]);
    assert.equal(await page.getByRole('radio', { name: /N'importe quelle mairie/ }).isChecked(), true);

    // A day first (the days with free times, the first one chosen), then its times, each
    // named by the API's full label (date, time, place): never every slot of two weeks at once.
    const all = await slots(TYPE, { days: 14 });
    assert.ok(all.length > 0, 'free slots in the next two weeks');
    const dates = [...new Set(all.map((s) => s.date))];
    assert.deepEqual(await page.locator('.slot-day-picker input[type="radio"]').evaluateAll((inputs) => inputs.map((i) => i.value)), dates);
    assert.equal(await page.locator('.slot-day-picker input:checked').getAttribute('value'), dates[0]);
    assert.equal(await page.locator('.slot-day').count(), 1, 'the times of one day');
    const first = page.locator('.slot-day');
    assert.equal(await first.getByRole('heading', { level: 2 }).textContent(), `Les horaires du ${all[0].dayLabel}`);
    assert.deepEqual(await first.locator('button.slot .slot-label').allTextContents(), all.filter((s) => s.date === dates[0]).map((s) => s.label));
    assert.match(all[0].label, /^\w+ (1er|\d{1,2}) \S+ \d{4} à \d{1,2} h \d{2} — .+/u);
    assert.equal(await page.getByRole('button', { name: all[0].label, exact: true }).count(), 1, 'the accessible name is the label');
    await axeBoth(page, 'créneaux');

    // By keyboard: skip link, Tab to the place radios, arrow to the second town hall.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Aller au contenu');
    await page.keyboard.press('Enter');
    await tabTo(page, 'input[type="radio"]');
    assert.match((await focused(page)).id, /^slots-place-0$/);
    await page.keyboard.press('ArrowDown');
    assert.equal((await focused(page)).id, 'slots-place-1');
    const said = await slotsSaid(page);
    const chosen = type.agendas[0];
    const ofAgenda = await slots(TYPE, { agenda: chosen.id, days: 14 });
    assert.ok(ofAgenda.length > 0, `slots at ${chosen.title}`);
    assert.match(said, new RegExp(`^${ofAgenda.length} créneaux? disponibles?`));
    const labels = await page.locator('button.slot .slot-label').allTextContents();
    assert.ok(labels.every((label) => label.endsWith(chosen.title)), 'only that town hall\'s slots');

    // The second day, with the arrow keys: its times replace the first day's.
    const days = [...new Set(ofAgenda.map((s) => s.date))];
    assert.ok(days.length >= 2, `two days with free times at ${chosen.title}`);
    await tabTo(page, '.slot-day-picker input[type="radio"]');
    await page.keyboard.press('ArrowDown');
    const ofDay = ofAgenda.filter((s) => s.date === days[1]);
    await page.waitForFunction((label) => document.querySelector('button.slot .slot-label')?.textContent === label, ofDay[0].label);
    assert.deepEqual(await page.locator('button.slot .slot-label').allTextContents(), ofDay.map((s) => s.label));
    assert.match(await page.locator('#slots-status').textContent(), new RegExp(`^${ofDay.length} horaires? libres? le `), 'said politely');
    await axeBoth(page, 'créneaux d\'un autre jour');

    // Tab to the first time of that day, Enter: it is held, the details step takes focus.
    await tabTo(page, 'button.slot');
    const slot = await focused(page);
    assert.equal(await page.evaluate(() => document.activeElement.querySelector('.slot-label')?.textContent), ofDay[0].label);
    assert.ok(slot.text.includes(ofDay[0].time), `the button shows the time (${slot.text})`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Vos coordonnées');
    assert.equal((await focused(page)).id, 'page-title');
    assert.equal(await page.title(), `Vos coordonnées – ${type.title} – ${cityTitle}`);
    assert.match(await page.locator('.held-slot').innerText(), new RegExp(`${ofDay[0].label}[\\s\\S]*réservé jusqu'à \\d{1,2}\\u00a0?h`));
    await axeBoth(page, 'coordonnées');

    // Nothing typed: the error summary, focused, links to the fields.
    await tabTo(page, 'button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.match(await page.locator('.error-summary').innerText(), /Prénom et nom[\s\S]*Adresse électronique[\s\S]*Numéro de pré-demande ANTS/);
    // What the type asks to bring, before confirming.
    assert.match(await page.locator('main').innerText(), /À apporter[\s\S]*Une photo d'identité de moins de 6 mois/);
    await axeBoth(page, 'coordonnées en erreur');

    await tabTo(page, '#booking-name');
    await page.keyboard.type('Camille Durand');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'booking-email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'booking-phone');
    await page.keyboard.type('06 12 34 56 78');
    // The type's own question: the passport page asks for the ANTS pre-application number.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'booking-answers.numero-pre-demande');
    await page.keyboard.type('2301A12345678');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Confirmer le rendez-vous');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Votre rendez-vous est confirmé');
    assert.equal((await focused(page)).id, 'page-title');
    const main = await page.locator('main').innerText();
    for (const text of [when(ofDay[0].label), chosen.title, chosen.address, type.title, email, 'Ajouter à mon agenda', 'rendez-vous.ics',
      'Numéro de pré-demande ANTS', '2301A12345678', 'À apporter', 'Une photo d\'identité de moins de 6 mois']) {
      assert.ok(main.includes(text), `the confirmation says « ${text} »`);
    }
    await axeBoth(page, 'rendez-vous confirmé');

    // The email: the manage link and the calendar file.
    const message = await waitForEmail(email, /rendez-vous/i);
    const link = message.links.map((l) => new URL(l)).find((u) => u.pathname === '/rendez-vous/gerer.html' && u.hash.length > 1);
    assert.ok(link, `a manage link in « ${message.subject} »: ${message.links.join(', ')}`);
    const raw = await rawEmail(message);
    assert.match(raw, /rendez-vous\.ics/);
    assert.match(raw, /text\/calendar/);
    assert.match(raw, /BEGIN:VCALENDAR[\s\S]*METHOD:REQUEST[\s\S]*BEGIN:VEVENT/);
    assert.match(raw, /À apporter :[\s\S]*- Une photo d'identité de moins de 6 mois/, 'the email says what to bring');
    firstBooking = { email, manage: link.pathname + link.hash, label: ofDay[0].label };
  } finally {
    await context.close();
  }
});

test('a slot taken meanwhile: the focused alert says so and the slots are read again', async () => {
  const type = typeOf(TYPE);
  // The annex town hall receives one person at a time: once held elsewhere, a slot is full.
  const annex = type.agendas.find((a) => a.id === 'mairie-annexe-nord-titres') || type.agendas.at(-1);
  const context = await newContext(360);
  try {
    const page = await open(context, `/rendez-vous/?type=${TYPE}&agenda=${annex.id}`);
    await slotsSaid(page);
    assert.equal(await page.getByRole('radio', { name: new RegExp(escape(annex.title)) }).isChecked(), true);
    const button = page.locator('button.slot').first();
    const label = await button.locator('.slot-label').textContent();
    const start = await button.getAttribute('data-start');
    // Someone else holds the last place of that slot.
    const held = await post('holds', { agenda: annex.id, type: TYPE, start });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    let reads = 0;
    page.on('request', (request) => { if (request.url().includes('/api/booking/availability')) reads += 1; });

    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.slots-alert [role="alert"]'));
    const alert = page.locator('.slots-alert [role="alert"]');
    assert.equal((await alert.innerText()).trim(), SLOT_TAKEN);
    assert.ok(await page.evaluate(() => document.activeElement === document.querySelector('.slots-alert [role="alert"]')), 'the alert takes focus');
    await slotsSaid(page);
    assert.ok(reads >= 1, 'the slots are read again');
    assert.equal(await page.getByRole('button', { name: label, exact: true }).count(), 0, 'the taken slot is gone');
    assert.equal(await page.locator('h1').textContent(), 'Choisissez un créneau');
    await axeBoth(page, 'créneau pris');
  } finally {
    await context.close();
  }
});

test('the server\'s refusals: a wrong email next to its field, then a hold that expired sends back to the slots', async () => {
  const context = await newContext(360);
  try {
    const page = await open(context, '/rendez-vous/?type=retrait-titre');
    await slotsSaid(page);
    await page.locator('button.slot').first().click();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Vos coordonnées');
    await page.getByLabel('Prénom et nom').fill('Jean Test');
    await page.getByLabel('Adresse électronique').fill('pas-une-adresse');
    await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    const email = page.locator('#booking-email');
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    const described = await email.getAttribute('aria-describedby');
    assert.match(await page.locator(`[id="${described.split(' ').find((id) => id.endsWith('-error'))}"]`).innerText(), /^Erreur\u00a0: .*adresse électronique/i);
    await axeBoth(page, 'coordonnées refusées par le serveur');

    // The 10 minutes have passed (the answer is stood in for): back to the slots, said in a focused alert.
    await page.route('**/api/booking/appointments', (route) => route.fulfill({
      status: 410, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'urn:gru:problem:hold-expired', title: 'Créneau plus réservé', status: 410, detail: 'Expiré.' }),
    }));
    await email.fill(freshEmail('expire'));
    await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Choisissez un créneau');
    await page.waitForFunction(() => document.activeElement?.matches('.slots-alert [role="alert"]'));
    assert.match(await page.locator('.slots-alert').innerText(), /ne vous était réservé que 10 minutes/);
    await slotsSaid(page);
    await axeBoth(page, 'réservation expirée');
  } finally {
    await context.close();
  }
});

test('the manage link: moving to another slot (a new link is emailed, the old one dies), then cancelling after a confirmation step', async () => {
  assert.ok(firstBooking, 'the keyboard test booked an appointment');
  const context = await newContext();
  try {
    const page = await open(context, firstBooking.manage);
    assert.equal(await page.title(), `Votre rendez-vous – ${cityTitle}`);
    assert.match(await page.locator('main').innerText(), new RegExp(`${escape(when(firstBooking.label))}[\\s\\S]*État\\s+Confirmé`));
    await axeBoth(page, 'gérer un rendez-vous');

    // « Changer de créneau »: the chooser, a later slot, its confirmation.
    await page.getByRole('button', { name: 'Changer de créneau' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'new-slots-title');
    await slotsSaid(page, 'new-slots');
    await axeBoth(page, 'gérer : choisir un nouveau créneau');
    const other = page.locator('button.slot').nth(1);
    const newLabel = await other.locator('.slot-label').textContent();
    assert.notEqual(newLabel, firstBooking.label);
    await other.click();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Confirmer le nouveau créneau');
    assert.match(await page.locator('.manage-actions').innerText(), new RegExp(`Nouveau créneau\\s*:\\s*${newLabel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await axeBoth(page, 'gérer : confirmer le nouveau créneau');
    const before = (await outbox()).length;
    await page.getByRole('button', { name: 'Confirmer ce nouveau créneau' }).click();
    await page.waitForFunction(() => /est déplacé/.test(document.activeElement?.textContent || ''));
    assert.match(await page.locator('main').innerText(), new RegExp(escape(when(newLabel))));
    assert.equal(await page.getByRole('button', { name: 'Annuler le rendez-vous' }).count(), 0, 'the spent link offers nothing more');

    // A new email with a new link; the old one leads nowhere now.
    let link;
    for (let i = 0; i < 50 && !link; i += 1) {
      const messages = await outbox();
      if (messages.length > before) {
        link = messages.filter((m) => m.to.includes(firstBooking.email)).flatMap((m) => m.links)
          .map((l) => new URL(l)).find((u) => u.pathname === '/rendez-vous/gerer.html' && u.pathname + u.hash !== firstBooking.manage);
      }
      if (!link) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(link, 'a new manage link is emailed');
    await page.goto(BASE + firstBooking.manage);
    await page.reload();
    await waitForState(page, 'error');
    assert.equal(await page.locator('h1').textContent(), 'Lien non valable');
    await axeBoth(page, 'lien de gestion périmé');

    // The new link: cancel, with a confirmation step first.
    await page.goto(BASE + link.pathname + link.hash);
    await page.reload();
    await waitForState(page, 'ready');
    await page.getByRole('button', { name: 'Annuler le rendez-vous' }).click();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Annuler le rendez-vous\u00a0?');
    await axeBoth(page, 'gérer : confirmer l\'annulation');
    // « Non » keeps it and gives the actions back.
    await page.getByRole('button', { name: 'Non, garder le rendez-vous' }).click();
    await page.getByRole('button', { name: 'Annuler le rendez-vous' }).click();
    await page.getByRole('button', { name: 'Oui, annuler le rendez-vous' }).click();
    await page.waitForFunction(() => /est annulé/.test(document.activeElement?.textContent || ''));
    assert.match(await page.locator('main').innerText(), /État\s+Annulé/);
    // After a cancellation, another appointment of the same kind is one click away.
    const again = page.getByRole('link', { name: 'Prendre un autre rendez-vous' });
    assert.equal(await again.getAttribute('href'), `/rendez-vous/?type=${TYPE}`);
    await axeBoth(page, 'rendez-vous annulé');
    await waitForEmail(firstBooking.email, /annul/i);
    const cancelled = await rawEmail((await outbox()).find((m) => m.to.includes(firstBooking.email) && /annul/i.test(m.subject)));
    assert.match(cancelled, /METHOD:CANCEL/);
  } finally {
    await context.close();
  }
});

test('a signed-in citizen books without typing an email, then finds and cancels it in « Mes rendez-vous »', async () => {
  const citizen = await citizenAccount();
  const type = typeOf('retrait-titre');
  assert.ok(type, 'the demo offers « retrait-titre »');
  const context = await newContext(360);
  try {
    const signin = await open(context, '/compte/connexion.html');
    await signin.getByLabel('Adresse électronique').first().fill(citizen.email);
    await signin.locator('#signin-password').fill(citizen.password);
    await signin.getByRole('button', { name: 'Se connecter' }).click();
    await signin.waitForURL(/\/compte\/$/);
    await waitForState(signin, 'ready');
    assert.equal(await signin.locator('#appointments-list').innerText(), 'Vous n\'avez aucun rendez-vous à venir.');

    const page = await open(context, '/rendez-vous/?type=retrait-titre');
    await slotsSaid(page);
    assert.equal(await page.locator('.slot-places').count(), 0, 'one agenda: no place to choose');
    const slot = page.locator('button.slot').first();
    const label = await slot.locator('.slot-label').textContent();
    await slot.click();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Vos coordonnées');
    assert.equal(await page.locator('#booking-email').count(), 0, 'no email to type');
    assert.match(await page.locator('main').innerText(), new RegExp(`La confirmation sera envoyée à ${citizen.email.replace(/[.]/g, '\\.')}`));
    assert.equal(await page.getByLabel('Prénom et nom').inputValue(), 'Léa Martin', 'the name of the account');
    await page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Votre rendez-vous est confirmé');

    await page.getByRole('link', { name: 'Voir mes rendez-vous' }).click();
    await page.waitForURL(/\/compte\/#rendez-vous$/);
    await waitForState(page, 'ready');
    const card = page.locator('.appointment-card').first();
    assert.match(await card.innerText(), new RegExp(`${escape(type.title)}[\\s\\S]*${escape(when(label))}[\\s\\S]*Confirmé`));
    await axeBoth(page, 'mes rendez-vous');
    const cancel = card.getByRole('button', { name: `Annuler ce rendez-vous du ${when(label)}` });
    assert.equal(await cancel.count(), 1, 'the button names the appointment');
    await cancel.click();
    assert.match((await focused(page)).text, /Voulez-vous vraiment annuler/);
    await axeBoth(page, 'mes rendez-vous : confirmer l\'annulation');
    await card.getByRole('button', { name: 'Oui, annuler le rendez-vous' }).click();
    await page.waitForFunction(() => /est annulé/.test(document.querySelector('#appointments-status')?.textContent || ''));
    assert.match(await card.innerText(), /État\s+Annulé/);
    assert.equal(await card.getByRole('button').count(), 0);
    assert.equal((await focused(page)).text, type.title, 'focus on the appointment');
  } finally {
    await context.close();
  }
});

test('after a form is sent, a service requiring an appointment shows « Étape suivante : prendre rendez-vous »', async () => {
  const context = await newContext(360);
  try {
    const page = await context.newPage();
    page.jsErrors = [];
    page.on('pageerror', (err) => page.jsErrors.push(err.message));
    // The demo's form service, said to require a PACS appointment; its sent state read back
    // from the tab's memory (what a reload of the sent page shows).
    await page.route('**/api/catalogue/services/acte-etat-civil', async (route) => {
      const response = await route.fetch();
      const service = await response.json();
      await route.fulfill({ response, json: { ...service, appointment: { type: 'pacs', required: true } } });
    });
    await page.addInitScript(() => sessionStorage.setItem('gru.receipt.brouillon-envoye', JSON.stringify({
      reference: 'ABCD-1234', tracking_url: '/suivi.html#jeton', email: 'a@exemple.fr', service: 'acte-etat-civil',
    })));
    await page.goto(`${BASE}/demarche.html?service=acte-etat-civil#brouillon=brouillon-envoye`);
    await waitForState(page, 'ready');
    assert.equal(await page.locator('h1').textContent(), 'Votre demande est envoyée');
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Étape suivante\u00a0: prendre rendez-vous' }) });
    const link = section.getByRole('link', { name: 'Prendre rendez-vous' });
    assert.equal(await link.getAttribute('href'), '/rendez-vous/?type=pacs&reference=ABCD-1234');
    await axeBoth(page, 'demande envoyée, rendez-vous à prendre');
    await link.click();
    await waitForState(page, 'ready');
    assert.match(await page.locator('main').innerText(), /Pour votre demande ABCD-1234\./);
    assert.equal(await page.locator('#form-service').textContent(), typeOf('pacs').title);
  } finally {
    await context.close();
  }
});

test('the agents\' planning: an appointment for a caller, attendance too early, a cancellation with its reason, a day closed', async () => {
  const cliAdmin = await createAgentByCli({ name: 'Alice Admin' });
  const admin = await AgentSession.signIn(cliAdmin);
  const agent = await admin.createAgent({ name: 'Gaëlle Guichet', role: 'agent', services: [PASSPORT] });
  const context = await newContext();
  try {
    const page = await open(context, '/admin/');
    await page.getByLabel('Adresse électronique').fill(agent.email);
    await page.locator('#signin-password').fill(agent.password);
    await page.getByLabel('Code de vérification').fill(totp(agent.secret));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/admin\/boite\.html$/);
    await waitForState(page, 'ready');
    await page.getByRole('link', { name: 'Planning des rendez-vous' }).click();
    await page.waitForURL(/\/admin\/planning\.html$/);
    await waitForState(page, 'ready');
    assert.equal(await page.title(), `Planning des rendez-vous – Espace agents – ${cityTitle}`);
    assert.equal(await page.locator('#admin-nav a[aria-current="page"]').textContent(), 'Planning des rendez-vous');
    const agendaLabels = await page.locator('#planning-which option').allTextContents();
    assert.ok(agendaLabels.some((l) => /Mairie centrale/.test(l)) && agendaLabels.some((l) => /Mairie annexe/.test(l)), agendaLabels.join(', '));
    assert.ok(!agendaLabels.some((l) => /état civil/.test(l)), 'only the agendas of the agent\'s services');
    await axeBoth(page, 'planning');

    // An appointment taken for a caller, on a free slot of the central town hall.
    const agenda = 'mairie-centrale-titres';
    const free = await slots(TYPE, { agenda, days: 14 });
    const target = free[0];
    const [h, m] = target.time.match(/(\d{1,2}) h (\d{2})/).slice(1);
    const caller = freshEmail('appelant');
    // Names of this run (the data directory may keep earlier runs' appointments on the same days).
    const run = Date.now().toString(36).slice(-5).toUpperCase();
    const paul = `Paul Appelant ${run}`;
    const zoe = `Zoé Comptoir ${run}`;
    await page.locator('#book-agenda').selectOption(agenda);
    await page.locator('#book-type').selectOption(TYPE);
    await page.locator('#book-date').fill(target.date);
    await page.locator('#book-time').fill(`${h.padStart(2, '0')}:${m}`);
    await page.locator('#book-name').fill(paul);
    await page.locator('#book-email').fill(caller);
    await page.getByRole('radio', { name: 'Téléphone' }).check();
    await page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click();
    await page.waitForFunction((name) => document.querySelector('#admin-status')?.textContent.includes(`Rendez-vous enregistré pour ${name}`), paul);
    assert.ok((await page.locator('#admin-status').textContent()).includes(target.label.replace(/ — .*$/, '')), 'the status says when');
    await waitForEmail(caller, /rendez-vous/i);

    // That day's planning, by the filters.
    await page.locator('#planning-which').selectOption(`agenda:${agenda}`);
    await page.locator('#planning-from').fill(target.date);
    await page.getByRole('radio', { name: 'Une journée' }).check();
    await page.getByRole('button', { name: 'Afficher', exact: true }).click();
    await page.waitForFunction(() => /rendez-vous prévus?/.test(document.querySelector('#admin-status')?.textContent || ''));
    assert.equal(new URL(page.url()).searchParams.get('from'), target.date);
    const row = page.locator('tbody tr', { hasText: paul });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), new RegExp(`${target.time}[\\s\\S]*${paul}[\\s\\S]*${caller.replace(/[.]/g, '\\.')}[\\s\\S]*Téléphone[\\s\\S]*Prévu`));
    assert.match(await page.locator('table caption').first().textContent(), new RegExp(`^Rendez-vous du ${target.dayLabel}`));
    assert.deepEqual(await page.locator('thead').first().locator('th').allTextContents(),
      ['Heure', 'Usager', 'Contact', 'Motif', 'Pris par', 'État', 'Actions']);
    await axeBoth(page, 'planning du jour');

    // Attendance before the day: refused, said in the focused alert.
    if (target.date > new Date().toISOString().slice(0, 10)) {
      await row.getByRole('button', { name: /^Présent/ }).click();
      await page.waitForFunction(() => /pas encore eu lieu/.test(document.querySelector('#admin-alert')?.innerText || ''));
      assert.ok(await page.evaluate(() => document.activeElement === document.querySelector('#admin-alert .callout')), 'the alert takes focus');
      await axeBoth(page, 'planning : présence trop tôt');
    }

    // Cancel: the reason first (required), then the citizen is emailed.
    await row.getByRole('button', { name: `Annuler (${paul}, ${target.time})` }).click();
    assert.equal((await focused(page)).id, await row.locator('input[name="reason"]').getAttribute('id'));
    await row.getByRole('button', { name: 'Confirmer l\'annulation' }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.match(await row.locator('.error-summary').innerText(), /Indiquez le motif/);
    await axeBoth(page, 'planning : motif manquant');
    await row.locator('input[name="reason"]').fill('Agent absent ce jour-là');
    await row.getByRole('button', { name: 'Confirmer l\'annulation' }).click();
    await page.waitForFunction(() => /est annulé/.test(document.querySelector('#admin-status')?.textContent || ''));
    // A cancelled appointment frees its place: it leaves the planning, focus goes to its day.
    assert.equal(await page.locator('tbody tr', { hasText: paul }).count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), `planning-day-${target.date}`);
    await waitForEmail(caller, /annul/i);

    // Close a later day holding one appointment: the closure lists it to move.
    const later = (await slots(TYPE, { agenda, days: 14, from: free.at(-1).date })).find((s) => s.date > target.date) || free.at(-1);
    const [lh, lm] = later.time.match(/(\d{1,2}) h (\d{2})/).slice(1);
    await page.locator('#book-agenda').selectOption(agenda);
    await page.locator('#book-date').fill(later.date);
    await page.locator('#book-time').fill(`${lh.padStart(2, '0')}:${lm}`);
    await page.locator('#book-name').fill(zoe);
    await page.getByRole('radio', { name: 'Guichet' }).check();
    await page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click();
    await page.waitForFunction((name) => document.querySelector('#admin-status')?.textContent.includes(`Rendez-vous enregistré pour ${name}`), zoe);

    await page.locator('#close-agenda').selectOption(agenda);
    await page.locator('#close-from').fill(later.date);
    await page.getByRole('button', { name: 'Fermer', exact: true }).click();
    await page.waitForFunction(() => document.activeElement?.classList.contains('error-summary'));
    assert.match(await page.locator('#close-form .error-summary').innerText(), /motif de la fermeture/);
    await page.locator('#close-reason').fill('Formation du personnel');
    await page.getByRole('button', { name: 'Fermer', exact: true }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'close-result-title');
    assert.match(await page.locator('#close-result').innerText(), new RegExp(`1 rendez-vous à déplacer[\\s\\S]*${zoe}`));
    await axeBoth(page, 'planning : journée fermée');

    await page.locator('#planning-from').fill(later.date);
    await page.getByRole('button', { name: 'Afficher', exact: true }).click();
    await page.waitForFunction((day) => document.querySelector('.planning-closed')?.textContent.includes('Formation du personnel')
      && document.querySelector('.planning-day h3')?.textContent === day, later.dayLabel);
    const after = await slots(TYPE, { agenda, from: later.date, days: 1 });
    assert.equal(after.length, 0, 'no slot is offered on the closed day');

    // A week at once: seven days, each with its heading.
    await page.getByRole('radio', { name: 'Une semaine' }).check();
    await page.getByRole('button', { name: 'Afficher', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.planning-day').length === 7);
    assert.equal(new URL(page.url()).searchParams.get('view'), 'week');
    await axeBoth(page, 'planning de la semaine');
  } finally {
    await context.close();
  }
});
