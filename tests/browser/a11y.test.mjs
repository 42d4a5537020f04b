// axe-core (WCAG 2.2 AA rules) on every kind of page, at 1280 px and at 360 px,
// plus structure checks axe does not make: one h1, landmarks, skip link, title, reflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openPage, closePage, assertNoAxeViolations, searchFor, api, CITY_TITLE,
} from './helpers.mjs';

let browser;
let pages;
let cityTitle;
before(async () => {
  browser = await launch();
  cityTitle = await CITY_TITLE();
  const service = await api('/api/catalogue/services/acte-etat-civil');
  const form = await api('/api/catalogue/services/acte-etat-civil/form');
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const passport = (await api('/api/booking/types')).find((type) => type.id === 'titre-identite');
  pages = [
    { name: 'accueil', path: '/', state: 'ready', title: `Démarches en ligne – ${cityTitle}` },
    { name: 'catégorie', path: `/themes/${service.category.slug}/`, state: 'ready', title: `${service.category.title} – ${cityTitle}` },
    { name: 'démarche acte-etat-civil', path: '/demarches/acte-etat-civil/', state: 'ready', title: `${service.title} – ${cityTitle}` },
    { name: 'démarche inconnue (404)', path: '/demarches/demarche-inexistante/', state: 'ready', status: 404, title: `Page introuvable – ${cityTitle}` },
    { name: 'page 404', path: '/404.html', state: 'ready', title: `Page introuvable – ${cityTitle}` },
    { name: 'formulaire, première étape', path: '/demarche.html?service=acte-etat-civil', state: 'ready',
      title: new RegExp(`^${escape(form.pages[0].title)} – Étape 1 sur \\d+ – ${escape(service.title)} – ${escape(cityTitle)}$`) },
    { name: 'formulaire inconnu (404)', path: '/demarche.html?service=demarche-inexistante', state: 'error', title: `Démarche introuvable – ${cityTitle}` },
    { name: 'suivi sans lien', path: '/suivi.html', state: 'ready', title: `Suivre une demande – ${cityTitle}` },
    { name: 'suivi, lien non valable', path: '/suivi.html#lien-inconnu', state: 'error', title: `Lien de suivi non valable – ${cityTitle}` },
    { name: 'connexion', path: '/compte/connexion.html', state: 'ready', title: `Se connecter – ${cityTitle}` },
    { name: 'inscription', path: '/compte/inscription.html', state: 'ready', title: `Créer un compte – ${cityTitle}` },
    { name: 'mot de passe oublié', path: '/compte/mot-de-passe-oublie.html', state: 'ready', title: `Mot de passe oublié – ${cityTitle}` },
    { name: 'nouveau mot de passe sans lien', path: '/compte/nouveau-mot-de-passe.html', state: 'ready', title: `Nouveau mot de passe – ${cityTitle}` },
    { name: 'nouveau mot de passe', path: '/compte/nouveau-mot-de-passe.html#jeton', state: 'ready', title: `Nouveau mot de passe – ${cityTitle}` },
    { name: 'vérification sans lien', path: '/compte/verifier.html', state: 'ready', title: `Confirmation de votre adresse – ${cityTitle}` },
    { name: 'vérification, lien non valable', path: '/compte/verifier.html#jeton-inconnu', state: 'error', title: `Lien non valable – ${cityTitle}` },
    { name: 'connexion par lien sans lien', path: '/compte/lien.html', state: 'ready', title: `Connexion par lien – ${cityTitle}` },
    { name: 'connexion par lien, lien non valable', path: '/compte/lien.html#jeton-inconnu', state: 'error', title: `Lien non valable – ${cityTitle}` },
    { name: 'rendez-vous : les types', path: '/rendez-vous/', state: 'ready', title: `Prendre rendez-vous – ${cityTitle}` },
    { name: 'rendez-vous : les créneaux', path: '/rendez-vous/?type=titre-identite', state: 'ready',
      title: `Choisissez un créneau – ${passport.title} – ${cityTitle}` },
    { name: 'rendez-vous : type inconnu (404)', path: '/rendez-vous/?type=type-inexistant', state: 'error', title: `Rendez-vous introuvable – ${cityTitle}` },
    { name: 'gérer un rendez-vous sans lien', path: '/rendez-vous/gerer.html', state: 'ready', title: `Votre rendez-vous – ${cityTitle}` },
    { name: 'gérer un rendez-vous, lien non valable', path: '/rendez-vous/gerer.html#lien-inconnu', state: 'error', title: `Lien non valable – ${cityTitle}` },
  ];
});
after(() => browser?.close());

async function checkStructure(page, { title }) {
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  if (title instanceof RegExp) assert.match(await page.title(), title);
  else assert.equal(await page.title(), title);
  assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
  assert.equal(await page.locator('body > header').count(), 1, 'a header landmark');
  assert.equal(await page.locator('main').count(), 1, 'one main landmark');
  assert.equal(await page.locator('body > footer').count(), 1, 'a footer landmark');
  assert.ok(await page.locator('nav').count() >= 1, 'at least one nav landmark');
  const first = await page.evaluate(() => {
    const el = document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])');
    return { href: el.getAttribute('href'), text: el.textContent.trim() };
  });
  assert.deepEqual(first, { href: '#contenu', text: 'Aller au contenu' }, 'the skip link comes first');
  assert.equal(await page.locator('#contenu').evaluate((el) => el.tagName), 'MAIN', 'the skip link leads to main');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
}

for (const width of [1280, 360]) {
  test(`pages have no axe violations and a sound structure at ${width}px`, async (t) => {
    for (const spec of pages) {
      await t.test(spec.name, async () => {
        const page = await openPage(browser, spec.path, { width, state: spec.state, status: spec.status, bypassCSP: true });
        try {
          await checkStructure(page, spec);
          await assertNoAxeViolations(page, `${spec.name} at ${width}px`);
        } finally {
          await closePage(page);
        }
      });
    }
  });

  test(`search results state has no axe violations at ${width}px`, async () => {
    const page = await openPage(browser, '/', { width, state: 'ready', bypassCSP: true });
    try {
      const announced = await searchFor(page, 'acte');
      assert.match(announced, /démarches? trouvées?/);
      assert.equal(await page.title(), `Recherche «\u00a0acte\u00a0» – ${cityTitle}`);
      await assertNoAxeViolations(page, `search results at ${width}px`);
      const none = await searchFor(page, 'zzqxwv');
      assert.match(none, /^Aucune démarche trouvée/);
      await assertNoAxeViolations(page, `empty search results at ${width}px`);
    } finally {
      await closePage(page);
    }
  });
}

/** The controls under 44 px high at this width, other than links inside a sentence. */
function smallTargets(page) {
  return page.evaluate(() => {
    const small = [];
    for (const e of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
      const own = e.getBoundingClientRect();
      if (own.width === 0 || e.type === 'hidden' || e.classList.contains('skip-link')) continue;
      // A radio or a checkbox answers a tap on its label too.
      // A card's title link covers its card.
      const boxes = [own, ...(['radio', 'checkbox'].includes(e.type) ? [...e.labels].map((l) => l.getBoundingClientRect()) : []),
        ...(e.matches('.card-title a') ? [e.closest('.card').getBoundingClientRect()] : [])];
      const height = Math.max(...boxes.map((b) => b.bottom)) - Math.min(...boxes.map((b) => b.top));
      const inSentence = e.tagName === 'A' && getComputedStyle(e).display === 'inline' && e.parentElement.closest('p, dd, td');
      if (height < 43.5 && !inSentence) small.push(`${e.tagName.toLowerCase()} « ${(e.innerText || e.value || '').trim().slice(0, 40)} » ${Math.round(height)} px`);
    }
    return small;
  });
}

test('on a phone, every control and every link of a list is a 44 px tap target', async () => {
  for (const { name, path, state, status } of pages.filter((p) => p.state === 'ready')) {
    const page = await openPage(browser, path, { width: 360, state, status });
    try {
      assert.deepEqual(await smallTargets(page), [], `${name}: tap targets under 44 px`);
    } finally {
      await closePage(page);
    }
  }
});

test('text resized to 200% reflows without horizontal scrolling', async () => {
  // 200 % text in a 640-px-wide window is what 1280 px zoomed to 200 % gives.
  for (const path of ['/', '/demarches/acte-etat-civil/', '/demarche.html?service=acte-etat-civil', '/compte/connexion.html', '/rendez-vous/?type=titre-identite']) {
    const page = await openPage(browser, path, { width: 640, state: 'ready' });
    try {
      const overflow = await page.evaluate(() => {
        document.documentElement.style.fontSize = '200%';
        return document.documentElement.scrollWidth - document.documentElement.clientWidth;
      });
      assert.ok(overflow <= 0, `${path}: ${overflow}px of horizontal scrolling at 200% text`);
    } finally {
      await closePage(page);
    }
  }
});

test('the city look comes from the profile as CSS custom properties', async () => {
  const city = await api('/api/catalogue/city');
  const page = await openPage(browser, '/', { state: 'ready' });
  try {
    const vars = await page.evaluate(() => {
      const style = getComputedStyle(document.documentElement);
      return ['--city-primary', '--city-on-primary', '--city-accent'].map((v) => style.getPropertyValue(v).trim().toLowerCase());
    });
    assert.deepEqual(vars, [city.colours.primary, city.colours.on_primary, city.colours.accent].map((c) => c.toLowerCase()));
    assert.equal(await page.locator('.brand-name').textContent(), city.name);
    const logo = page.locator('header img');
    assert.equal(await logo.getAttribute('src'), city.logo);
    assert.notEqual(await logo.getAttribute('alt'), null, 'the logo has an alt attribute');
    // Waits for the image if it is still on its way (a loaded machine is slow to fetch it).
    const loads = await logo.evaluate((img) => img.complete ? img.naturalWidth > 0 : new Promise((resolve) => {
      img.addEventListener('load', () => resolve(img.naturalWidth > 0), { once: true });
      img.addEventListener('error', () => resolve(false), { once: true });
    }));
    assert.ok(loads, 'the logo loads');
    for (const link of city.links) {
      assert.equal(await page.locator('footer').getByRole('link', { name: link.label }).getAttribute('href'), link.url);
    }
    const footer = await page.locator('footer').innerText();
    for (const value of [city.contact.phone, city.contact.email]) assert.ok(footer.includes(value), `footer shows ${value}`);
  } finally {
    await closePage(page);
  }
});
