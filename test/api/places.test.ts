import t, { type Test } from 'tap';
import { and, eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createPlace, createUser, seedWorld } from '../helpers/fixtures.ts';
import { placeApplication } from '../helpers/place-application.ts';
import { auditLog } from '../../db/schema/accounts.ts';
import { placeBankAccounts } from '../../db/schema/places.ts';
import { bankAccountForNewPayout } from '../../server/modules/places/places.service.ts';

const application = {
  ...placeApplication,
  accountHolder: 'Association Tiers-lieu de Muret',
  sites: [
    {
      name: 'Tiers-lieu — centre-ville',
      address: '5 avenue Jacques Douzans',
      postalCode: '31600',
      communeCode: '31395',
      services: ['Aide aux démarches administratives', 'Maîtrise des outils numériques du quotidien'],
      openingHours: 'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00',
      free: true,
    },
  ],
};

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const world = await seedWorld(ctx.db);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const finance = await loginAs(ctx.app, world.operatorFinance);
  return { ...ctx, world, operator, finance };
}

const apply = (app: Awaited<ReturnType<typeof setup>>['app'], body: unknown) =>
  app.inject({ method: 'POST', url: '/api/v1/places/applications', payload: body as Record<string, unknown> });

t.test('anyone may apply: the place is created `applied`, with its site and its bank details pending', async (t) => {
  const { app, operator } = await setup(t);
  const res = await apply(app, application);
  t.equal(res.statusCode, 201);
  t.match(res.json(), { id: String, status: 'applied' });
  const place = (await operator.inject({ method: 'GET', url: `/api/v1/places/${res.json().id}` })).json();
  t.match(place, {
    name: application.name,
    siret: '32400000012348',
    status: 'applied',
    contactEmail: 'contact@tierslieu-muret.example',
    legalRepresentative: 'Marie Dupont, présidente',
    bankStatus: 'pending',
    bankAccount: null,
    pendingBankAccount: { holder: 'Association Tiers-lieu de Muret', ibanMasked: 'FR76 •••• … 0143', bic: 'AGRIFRPP' },
  });
  t.equal(place.sites.length, 1);
  t.match(place.sites[0], { communeCode: '31395', communeName: 'Muret', free: true, openingHours: 'Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00' });
  t.notOk(JSON.stringify(place).includes('1234567890143'), 'the API never returns a full IBAN');
});

t.test('SIRET: 14 digits with a Luhn key, and La Poste’s own rule', async (t) => {
  const { app } = await setup(t);
  const bad = await apply(app, { ...application, siret: '32400000012349' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().errors, [{ path: 'siret', message: /clé de contrôle/ }]);
  const short = await apply(app, { ...application, siret: '3240000001234' });
  t.match(short.json().errors, [{ path: 'siret', message: /14 chiffres/ }]);
  // 35600000000001 fails Luhn but its digits add up to a multiple of 5: a valid La Poste establishment.
  const laPoste = await apply(app, { ...application, siret: '35600000000001', name: 'La Poste — bureau de Muret' });
  t.equal(laPoste.statusCode, 201);
  const laPosteBad = await apply(app, { ...application, siret: '35600000000002' });
  t.equal(laPosteBad.statusCode, 400);
});

t.test('IBAN and BIC are checked (IBAN key, clé RIB, BIC shape)', async (t) => {
  const { app } = await setup(t);
  const res = await apply(app, { ...application, iban: 'FR7630006000011234567890188', bic: 'AGRIFRP' });
  t.equal(res.statusCode, 400);
  const errors = Object.fromEntries(res.json().errors.map((e: { path: string; message: string }) => [e.path, e.message]));
  t.match(errors, { iban: /clé de contrôle/, bic: /BIC invalide/ });
});

t.test('sites: national services only, OSM opening hours, known commune', async (t) => {
  const { app } = await setup(t);
  const site = application.sites[0]!;
  const services = await apply(app, { ...application, sites: [{ ...site, services: ['Cours de cuisine'] }] });
  t.equal(services.statusCode, 400);
  t.match(services.json().errors[0], { path: 'sites.0.services.0' });
  const hours = await apply(app, { ...application, sites: [{ ...site, openingHours: 'du lundi au vendredi' }] });
  t.match(hours.json().errors, [{ path: 'sites.0.openingHours', message: /OpenStreetMap/ }]);
  const commune = await apply(app, { ...application, sites: [{ ...site, communeCode: '31999' }] });
  t.equal(commune.statusCode, 400);
  t.match(commune.json(), { code: 'unknown_reference_code', errors: [{ path: 'sites.0.communeCode', message: /31999/ }] });
  const none = await apply(app, { ...application, sites: [] });
  t.match(none.json().errors, [{ path: 'sites' }]);
});

t.test('a second application with the same SIRET is a conflict', async (t) => {
  const { app } = await setup(t);
  t.equal((await apply(app, application)).statusCode, 201);
  const again = await apply(app, application);
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'place_already_registered');
});

t.test('operator review: label, suspend with a reason, reinstate, reject — each audited, each only from the right status', async (t) => {
  const { app, db, operator, world } = await setup(t);
  const id = (await apply(app, application)).json().id;
  const other = (await apply(app, { ...application, siret: '49200000056787' })).json().id;

  const noReason = await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/suspend`, payload: {} });
  t.equal(noReason.statusCode, 400);
  const suspendApplied = await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/suspend`, payload: { reason: 'test' } });
  t.equal(suspendApplied.statusCode, 409, 'an applied place cannot be suspended');
  t.equal(suspendApplied.json().code, 'place_status_conflict');

  const labelled = await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/label` });
  t.equal(labelled.statusCode, 200);
  t.match(labelled.json(), { status: 'labelled', labelledAt: String });
  t.equal((await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/label` })).statusCode, 409, 'labelled once');

  const suspended = await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/suspend`, payload: { reason: 'Encaissements suspects en cours d’examen' } });
  t.match(suspended.json(), { status: 'suspended', statusReason: 'Encaissements suspects en cours d’examen' });
  const reinstated = await operator.inject({ method: 'POST', url: `/api/v1/places/${id}/reinstate` });
  t.match(reinstated.json(), { status: 'labelled', statusReason: null });

  const rejected = await operator.inject({ method: 'POST', url: `/api/v1/places/${other}/reject`, payload: { reason: 'Pas d’activité de médiation numérique' } });
  t.match(rejected.json(), { status: 'rejected', statusReason: 'Pas d’activité de médiation numérique' });
  t.equal((await operator.inject({ method: 'POST', url: `/api/v1/places/${other}/label` })).statusCode, 409, 'a rejected place is not labelled');

  const audit = db.select().from(auditLog).where(eq(auditLog.subjectId, id)).all().map((a) => a.action);
  t.same(audit, ['place.applied', 'place.labelled', 'place.suspended', 'place.reinstated']);
  const suspendRow = db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'place.suspended'))).get()!;
  t.match(suspendRow, { actorUserId: world.operatorAdmin.id, data: { from: 'labelled', to: 'suspended', reason: 'Encaissements suspects en cours d’examen' } });

  const list = (await operator.inject({ method: 'GET', url: '/api/v1/places?status=labelled' })).json();
  t.same(list.items.map((p: { id: string }) => p.id), [id]);
});

t.test('only the operator’s admins decide: a place, a buyer or operator finance cannot label', async (t) => {
  const { app, world, finance } = await setup(t);
  const id = (await apply(app, application)).json().id;
  for (const user of [world.placeAdmin, world.buyerAdmin]) {
    const s = await loginAs(app, user);
    t.equal((await s.inject({ method: 'POST', url: `/api/v1/places/${id}/label` })).statusCode, 403);
  }
  t.equal((await finance.inject({ method: 'POST', url: `/api/v1/places/${id}/label` })).statusCode, 403);
});

t.test('a bank-detail change waits for finance; the details in force stay for what is already due', async (t) => {
  const { app, db, finance, operator } = await setup(t);
  const { organisation, admin, agent } = await createPlace(db);
  const placeAdmin = await loginAs(app, admin);
  const before = bankAccountForNewPayout(db, organisation.id);
  t.ok(before, 'validated details: the place can be paid');

  const agentTry = await (await loginAs(app, agent)).inject({
    method: 'PUT',
    url: `/api/v1/places/${organisation.id}/bank-details`,
    payload: { holder: 'Nouveau titulaire', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPTOU' },
  });
  t.equal(agentTry.statusCode, 403, 'an agent cannot change bank details');

  const changed = await placeAdmin.inject({
    method: 'PUT',
    url: `/api/v1/places/${organisation.id}/bank-details`,
    payload: { holder: 'Nouveau titulaire', iban: 'FR14 2004 1010 0505 0001 3M02 606', bic: 'PSSTFRPPTOU' },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json(), { bankStatus: 'pending', bankAccount: { ibanMasked: 'FR76 •••• … 0189', status: 'validated' }, pendingBankAccount: { ibanMasked: 'FR14 •••• … 2606' } });
  t.equal(bankAccountForNewPayout(db, organisation.id), null, 'no new batch pays a place whose IBAN changed and is not re-validated');
  t.equal(db.select().from(placeBankAccounts).where(eq(placeBankAccounts.id, before!.id)).get()!.status, 'validated', 'the previous details are kept, still in force');

  const validated = await finance.inject({ method: 'POST', url: `/api/v1/places/${organisation.id}/bank-details/validate` });
  t.equal(validated.statusCode, 200);
  t.match(validated.json(), { bankStatus: 'validated', bankAccount: { ibanMasked: 'FR14 •••• … 2606' }, pendingBankAccount: null });
  t.equal(db.select().from(placeBankAccounts).where(eq(placeBankAccounts.id, before!.id)).get()!.status, 'replaced');
  t.equal(bankAccountForNewPayout(db, organisation.id)!.iban, 'FR1420041010050500013M02606');
  t.equal((await finance.inject({ method: 'POST', url: `/api/v1/places/${organisation.id}/bank-details/validate` })).statusCode, 409, 'nothing left to validate');

  // Four eyes: whoever typed the new details cannot validate them.
  await operator.inject({ method: 'PUT', url: `/api/v1/places/${organisation.id}/bank-details`, payload: { holder: 'Autre', iban: 'FR7630004000031234567890143', bic: 'AGRIFRPP' } });
  const self = await operator.inject({ method: 'POST', url: `/api/v1/places/${organisation.id}/bank-details/validate` });
  t.equal(self.statusCode, 403);
  t.equal(self.json().code, 'four_eyes_required');
  const refused = await finance.inject({ method: 'POST', url: `/api/v1/places/${organisation.id}/bank-details/reject`, payload: { reason: 'RIB illisible' } });
  t.match(refused.json(), { bankStatus: 'validated', pendingBankAccount: null });
  const audit = db.select().from(auditLog).where(eq(auditLog.subjectId, organisation.id)).all().map((a) => a.action);
  t.same(audit, ['place.bank_details_submitted', 'place.bank_details_validated', 'place.bank_details_submitted', 'place.bank_details_rejected']);
});

t.test('a place sees and changes only its own record: another place’s is a 404', async (t) => {
  const { app, db } = await setup(t);
  const a = await createPlace(db, { name: 'Lieu A' });
  const b = await createPlace(db, { name: 'Lieu B' });
  const s = await loginAs(app, a.admin);
  t.equal((await s.inject({ method: 'GET', url: `/api/v1/places/${a.organisation.id}` })).statusCode, 200);
  const other = await s.inject({ method: 'GET', url: `/api/v1/places/${b.organisation.id}` });
  t.equal(other.statusCode, 404);
  t.equal(other.json().code, 'place_not_found');
  const bank = await s.inject({
    method: 'PUT',
    url: `/api/v1/places/${b.organisation.id}/bank-details`,
    payload: { holder: 'Pirate', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPTOU' },
  });
  t.equal(bank.statusCode, 404, 'the classic fraud: changing someone else’s IBAN');
  const site = await s.inject({ method: 'PATCH', url: `/api/v1/places/${b.organisation.id}/sites/${b.siteIds[0]}`, payload: { active: false } });
  t.equal(site.statusCode, 404);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/places' })).statusCode, 403, 'the list is the operator’s');
});

t.test('a place manages its sites: add one, change its services and hours, close it', async (t) => {
  const { app, db } = await setup(t);
  const { organisation, admin } = await createPlace(db);
  const s = await loginAs(app, admin);
  const added = await s.inject({
    method: 'POST',
    url: `/api/v1/places/${organisation.id}/sites`,
    payload: { name: 'Antenne', address: '1 place', communeCode: '31149', services: ['Loisirs et créations numériques'], openingHours: 'We 14:00-17:00' },
  });
  t.equal(added.statusCode, 201);
  const site = added.json().sites.find((x: { name: string }) => x.name === 'Antenne');
  t.match(site, { communeName: 'Colomiers', active: true, free: false });
  const patched = await s.inject({
    method: 'PATCH',
    url: `/api/v1/places/${organisation.id}/sites/${site.id}`,
    payload: { services: ['Aide aux démarches administratives'], openingHours: 'Mo-Fr 10:00-12:00', active: false },
  });
  t.match(patched.json().sites.find((x: { id: string }) => x.id === site.id), { services: ['Aide aux démarches administratives'], openingHours: 'Mo-Fr 10:00-12:00', active: false });
});

t.test('the public application form works without an account and re-renders errors in place', async (t) => {
  const { app, operator } = await setup(t);
  const page = await app.inject({ method: 'GET', url: '/lieux/candidature' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /Demander le label Pass numérique/);
  t.match(page.body, /Maîtrise des outils numériques du quotidien/, 'the national services list');
  const form = {
    name: 'Fablab du Comminges',
    siret: '77500000098762',
    legalRepresentative: 'Inès Martin, gérante',
    contactEmail: 'contact@fablab.example',
    accountHolder: 'Fablab du Comminges',
    iban: 'FR7630004000031234567890143',
    bic: 'AGRIFRPP',
    siteName: 'Atelier',
    siteAddress: '3 rue de la Fabrique',
    siteCommuneCode: '31483',
    siteServices: 'Loisirs et créations numériques',
    siteOpeningHours: 'Tu-Sa 10:00-18:00',
  };
  const bad = await app.inject({ method: 'POST', url: '/lieux/candidature', payload: form, headers: { accept: 'text/html' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /SIRET invalide/);
  t.match(bad.body, /value="Fablab du Comminges"/, 'what was typed is kept');
  const ok = await app.inject({ method: 'POST', url: '/lieux/candidature', payload: { ...form, siret: '77500000098761' } });
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, '/lieux/candidature/envoyee');
  const list = (await operator.inject({ method: 'GET', url: '/api/v1/places?status=applied' })).json();
  t.match(list.items, [{ name: 'Fablab du Comminges', sites: [{ communeCode: '31483', services: ['Loisirs et créations numériques'] }] }]);
  const csv = await operator.inject({ method: 'GET', url: '/api/v1/places', headers: { accept: 'text/csv' } });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /Fablab du Comminges;77500000098761;Candidature à examiner/);
});

t.test('the operator’s review pages and the place’s own page render', async (t) => {
  const { app, db, operator } = await setup(t);
  const { organisation, admin } = await createPlace(db, { name: 'Médiathèque de test' });
  const review = await operator.inject({ method: 'GET', url: `/lieux/${organisation.id}` });
  t.equal(review.statusCode, 200);
  t.match(review.body, /FR76 3000 6000 0112 3456 7890 189/, 'the operator sees the full IBAN to check it against the RIB');
  t.match(review.body, /Suspendre ce lieu/);
  const recap = await operator.inject({ method: 'POST', url: `/lieux/${organisation.id}/suspend`, payload: { reason: 'Contrôle' } });
  t.equal(recap.statusCode, 200, 'suspending first shows a recap');
  t.match(recap.body, /Suspendre Médiathèque de test/);
  t.match(recap.body, /ne pourra plus encaisser/);
  t.match(recap.body, /name="reason" value="Contrôle"/, 'the reason is carried to the confirmation');
  t.match((await operator.inject({ method: 'GET', url: `/api/v1/places/${organisation.id}` })).json(), { status: 'labelled' }, 'nothing changed before confirming');
  const suspend = await operator.inject({ method: 'POST', url: `/lieux/${organisation.id}/suspend`, payload: { reason: 'Contrôle', confirmation: 'oui' } });
  t.equal(suspend.statusCode, 303);
  const mine = await (await loginAs(app, admin)).inject({ method: 'GET', url: '/mon-lieu' });
  t.equal(mine.statusCode, 200);
  t.match(mine.body, /Votre lieu est suspendu/);
  t.match(mine.body, /Motif : Contrôle/);
  t.notMatch(mine.body, /1234567890189/, 'the place sees a masked IBAN');
  const otherUser = await createUser(db, organisation, { role: 'agent' });
  const agentPage = await (await loginAs(app, otherUser)).inject({ method: 'GET', url: '/mon-lieu' });
  t.notMatch(agentPage.body, /Changer de coordonnées bancaires/, 'agents do not manage bank details');
});
