import t, { type Test } from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const world = await seedWorld(ctx.db);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  return { ...ctx, operator };
}

/** The public form as a person fills it in: a Toulouse site with its public contact and position. */
const form = {
  name: 'Fablab du Capitole',
  siret: '77500000098761',
  legalRepresentative: 'Inès Martin, gérante',
  contactEmail: 'contact@fablab.example',
  accountHolder: 'Fablab du Capitole',
  iban: 'FR7630004000031234567890143',
  bic: 'AGRIFRPP',
  siteName: 'Atelier du Capitole',
  siteAddress: '3 rue de la Fabrique',
  sitePostalCode: '31000',
  siteCommuneCode: '31555',
  siteServices: 'Loisirs et créations numériques',
  sitePhone: '05 61 00 00 00',
  siteEmail: 'Accueil@Fablab.example',
  siteWebsite: 'https://fablab.example/atelier',
  siteLatitude: '43,6045',
  siteLongitude: '1.4440',
};

/** The DSFR input group of the field labelled for `id`, up to its messages. */
export function fieldGroup(html: string, id: string): string {
  const label = html.indexOf(`for="${id}"`);
  if (label < 0) return '';
  const start = html.lastIndexOf('<div class="fr-input-group', label);
  const end = html.indexOf('</div>', html.indexOf(`id="${id}-messages"`, label));
  return html.slice(start, end);
}

const post = (app: Awaited<ReturnType<typeof setup>>['app'], payload: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/lieux/candidature', payload, headers: { accept: 'text/html' } });

t.test('the application form collects the public contact and the position, and they reach the directory', async (t) => {
  const { app, operator } = await setup(t);
  const page = await app.inject({ method: 'GET', url: '/lieux/candidature' });
  for (const field of ['sitePhone', 'siteEmail', 'siteWebsite', 'siteLatitude', 'siteLongitude']) t.match(page.body, new RegExp(`name="${field}"`), `the form asks for ${field}`);

  const sent = await post(app, form);
  t.equal(sent.statusCode, 303, 'the application is accepted');
  const applied = (await operator.inject({ method: 'GET', url: '/api/v1/places?status=applied' })).json().items[0];
  t.equal((await operator.inject({ method: 'POST', url: `/api/v1/places/${applied.id}/label` })).statusCode, 200, 'the operator labels it');

  // Near the Capitole: the distance comes from the coordinates typed in the form.
  const near = (await app.inject({ method: 'GET', url: '/api/v1/public/places?lat=43.6043&lon=1.4437' })).json();
  t.equal(near.items[0]?.name, 'Atelier du Capitole');
  t.ok(typeof near.items[0]?.distanceKm === 'number' && near.items[0].distanceKm < 1, 'ordered by distance from its coordinates');
  const detail = (await app.inject({ method: 'GET', url: `/api/v1/public/places/${near.items[0].id}` })).json();
  t.match(detail, { contact: { phone: '05 61 00 00 00', email: 'accueil@fablab.example', website: 'https://fablab.example/atelier' }, latitude: 43.6045, longitude: 1.444 });
  const html = await app.inject({ method: 'GET', url: `/lieux-labellises/${near.items[0].id}` });
  t.match(html.body, /href="tel:0561000000"/, 'the phone on the place’s public page');
  t.match(html.body, /https:\/\/fablab\.example\/atelier/);
  const csv = await app.inject({ method: 'GET', url: '/api/v1/public/places.csv' });
  t.match(csv.body, /Atelier du Capitole/);
  t.match(csv.body, /43\.6045/, 'the position in the open data');
  t.match(csv.body, /05 61 00 00 00/, 'the phone in the open data');
});

t.test('the contact and position are optional, and a wrong one is refused in place with what was typed kept', async (t) => {
  const { app, operator } = await setup(t);
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ siteLatitude: '95', siteLongitude: '1.44' }, 'siteLatitude', /latitude entre -90 et 90/i],
    [{ siteLatitude: '43.6', siteLongitude: '-181' }, 'siteLongitude', /longitude entre -180 et 180/i],
    [{ siteLatitude: 'nord', siteLongitude: '1.44' }, 'siteLatitude', /nombre décimal attendu/i],
    [{ siteLatitude: '43.6', siteLongitude: '' }, 'siteLongitude', /la latitude et la longitude/i],
    [{ sitePhone: 'appelez-nous' }, 'sitePhone', /numéro de téléphone attendu/i],
    [{ siteEmail: 'accueil@' }, 'siteEmail', /adresse e-mail invalide/i],
    [{ siteWebsite: 'fablab' }, 'siteWebsite', /adresse web attendue/i],
    [{ siteName: 'x'.repeat(201) }, 'siteName', /200 caractères au maximum/i],
  ];
  for (const [change, field, message] of cases) {
    const res = await post(app, { ...form, ...change });
    t.equal(res.statusCode, 400, `${JSON.stringify(change)} is refused`);
    const group = fieldGroup(res.body, field === 'siteName' ? 'site-name' : field);
    t.match(group, /^<div class="fr-input-group fr-input-group--error">/, `${field} is marked in error`);
    t.match(group, message, `the message is next to ${field}`);
    t.match(res.body, /value="Fablab du Capitole"/, 'what was typed is kept');
    if (change.sitePhone) t.match(res.body, /value="appelez-nous"/, 'the refused value too');
  }
  t.equal((await operator.inject({ method: 'GET', url: '/api/v1/places?status=applied' })).json().items.length, 0, 'nothing was saved');

  const minimal = { ...form, sitePhone: '', siteEmail: '', siteWebsite: '', siteLatitude: '', siteLongitude: '' };
  t.equal((await post(app, minimal)).statusCode, 303, 'a site without contact nor position is accepted');
  t.match((await operator.inject({ method: 'GET', url: '/api/v1/places?status=applied' })).json().items, [{ name: 'Fablab du Capitole' }]);
});
