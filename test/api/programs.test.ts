import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createProgram, seedReference, seedWorld, TEST_PROGRAM_PAYER } from '../helpers/fixtures.ts';
import { postOrder, untargetedOrder } from '../helpers/orders.ts';
import { auditLog } from '../../db/schema/accounts.ts';
import { cofinancingPrograms, publicCategories } from '../../db/schema/programs.ts';
import { commitEnvelope } from '../../server/modules/programs/programs.service.ts';
import { DEMO_PROGRAM_NAME, REFERENCE_PUBLIC_CATEGORIES, seedDemoProgram, seedReferenceData } from '../../db/seed/reference.ts';
import { ManualClock } from '../../server/shared/clock.ts';

const national = {
  name: 'Programme national de cofinancement',
  rateBasisPoints: 5000,
  eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'],
  envelopeCents: 1_500_000_000,
  startsOn: '2026-01-01',
  endsOn: '2027-12-31',
  minOrderCents: 2_000_000,
  perBuyerCapCents: 150_000_000,
};

t.test('an operator admin creates the State’s 50 % programme; it starts with its whole envelope remaining', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const res = await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: national });
  t.equal(res.statusCode, 201);
  const body = res.json();
  t.match(body, { ...national, committedCents: 0, remainingCents: 1_500_000_000, status: 'open' });
  const audit = db.select().from(auditLog).where(eq(auditLog.action, 'cofinancing_program.created')).all();
  t.equal(audit.length, 1);
  t.equal(audit[0]?.subjectId, body.id);
});

t.test('optional minimum and cap may be left out', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const { minOrderCents: _m, perBuyerCapCents: _p, ...plain } = national;
  const res = await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: plain });
  t.equal(res.statusCode, 201);
  t.equal(res.json().minOrderCents, null);
  t.equal(res.json().perBuyerCapCents, null);
});

t.test('invalid programmes are refused with 400 naming each field', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const cases: [string, Record<string, unknown>, string][] = [
    ['a rate of 0', { rateBasisPoints: 0 }, 'rateBasisPoints'],
    ['a rate above 100 %', { rateBasisPoints: 10001 }, 'rateBasisPoints'],
    ['a fractional rate', { rateBasisPoints: 50.5 }, 'rateBasisPoints'],
    ['no eligible buyer type', { eligibleBuyerTypes: [] }, 'eligibleBuyerTypes'],
    ['an unknown buyer type', { eligibleBuyerTypes: ['commune', 'martians'] }, 'eligibleBuyerTypes.1'],
    ['a negative envelope', { envelopeCents: -1 }, 'envelopeCents'],
    ['an envelope in euros with decimals', { envelopeCents: 12.5 }, 'envelopeCents'],
    ['a malformed date', { startsOn: '01/01/2026' }, 'startsOn'],
    ['an end before the start', { startsOn: '2027-01-01', endsOn: '2026-12-31' }, 'endsOn'],
    ['a cap above the envelope', { envelopeCents: 1000, perBuyerCapCents: 2000, minOrderCents: null }, 'perBuyerCapCents'],
    ['an empty name', { name: '   ' }, 'name'],
  ];
  for (const [label, change, path] of cases) {
    const res = await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: { ...national, ...change } });
    t.equal(res.statusCode, 400, label);
    t.equal(res.json().code, 'validation_failed', label);
    t.ok(
      res.json().errors.some((e: { path: string }) => e.path === path),
      `${label}: errors name ${path} (${JSON.stringify(res.json().errors)})`,
    );
  }
  t.equal(db.select().from(cofinancingPrograms).all().length, 0, 'nothing was created');
});

t.test('only operator admins create, edit and close programmes', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const program = createProgram(db);
  for (const user of [world.operatorFinance, world.buyerAdmin, world.placeAdmin]) {
    const s = await loginAs(app, user);
    t.equal((await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: national })).statusCode, 403, `${user.email} cannot create`);
    t.equal((await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${program.id}`, payload: { name: 'X' } })).statusCode, 403);
    t.equal((await s.inject({ method: 'POST', url: `/api/v1/cofinancing-programs/${program.id}/close` })).statusCode, 403);
  }
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: national })).statusCode, 401);
});

t.test('every logged-in user can list programmes to pick one, with committed and remaining amounts', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const program = createProgram(db, { envelopeCents: 1_000_000 });
  createProgram(db, { status: 'closed' });
  commitEnvelope(db, { programId: program.id, orderId: 'order-1', buyerId: world.buyer.id, amountCents: 250_000, at: '2026-11-25T10:00:00.000Z' });
  const s = await loginAs(app, world.buyerAgent);
  const list = await s.inject({ method: 'GET', url: '/api/v1/cofinancing-programs' });
  t.equal(list.statusCode, 200);
  t.equal(list.json().items.length, 2);
  const open = await s.inject({ method: 'GET', url: '/api/v1/cofinancing-programs?status=open' });
  t.same(open.json().items.map((p: { id: string }) => p.id), [program.id]);
  const one = await s.inject({ method: 'GET', url: `/api/v1/cofinancing-programs/${program.id}` });
  t.equal(one.statusCode, 200);
  t.equal(one.json().committedCents, 250_000);
  t.equal(one.json().remainingCents, 750_000);
  const csv = await s.inject({ method: 'GET', url: '/api/v1/cofinancing-programs', headers: { accept: 'text/csv' } });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /7500,00/);
  t.equal((await s.inject({ method: 'GET', url: '/api/v1/cofinancing-programs/inconnu' })).json().code, 'cofinancing_program_not_found');
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/cofinancing-programs' })).statusCode, 401);
});

t.test('the envelope can be edited but never below what is already committed', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const program = createProgram(db, { envelopeCents: 1_000_000 });
  commitEnvelope(db, { programId: program.id, orderId: 'order-1', buyerId: world.buyer.id, amountCents: 600_000, at: '2026-11-25T10:00:00.000Z' });
  const s = await loginAs(app, world.operatorAdmin);
  const below = await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${program.id}`, payload: { envelopeCents: 599_999 } });
  t.equal(below.statusCode, 422);
  t.equal(below.json().code, 'envelope_below_committed');
  t.equal(below.json().committedCents, 600_000);
  t.match(below.json().detail, /6\s000,00\s€/);
  const exact = await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${program.id}`, payload: { envelopeCents: 600_000 } });
  t.equal(exact.statusCode, 200);
  t.equal(exact.json().remainingCents, 0);
  const renamed = await s.inject({
    method: 'PATCH',
    url: `/api/v1/cofinancing-programs/${program.id}`,
    payload: { name: 'Programme régional', rateBasisPoints: 4000, perBuyerCapCents: null },
  });
  t.equal(renamed.statusCode, 200);
  t.match(renamed.json(), { name: 'Programme régional', rateBasisPoints: 4000, envelopeCents: 600_000, committedCents: 600_000 });
});

t.test('an edit is checked against the stored values: an end date before the stored start is refused', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const program = createProgram(db, { startsOn: '2026-01-01', endsOn: '2027-12-31' });
  const s = await loginAs(app, world.operatorAdmin);
  const res = await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${program.id}`, payload: { endsOn: '2025-12-31' } });
  t.equal(res.statusCode, 400);
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['endsOn']);
  const empty = await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${program.id}`, payload: {} });
  t.equal(empty.statusCode, 400);
  const missing = await s.inject({ method: 'PATCH', url: '/api/v1/cofinancing-programs/inconnu', payload: { name: 'X' } });
  t.equal(missing.statusCode, 404);
});

t.test('a closed programme takes no new commitment and cannot be closed twice', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const program = createProgram(db);
  const s = await loginAs(app, world.operatorAdmin);
  const closed = await s.inject({ method: 'POST', url: `/api/v1/cofinancing-programs/${program.id}/close` });
  t.equal(closed.statusCode, 200);
  t.equal(closed.json().status, 'closed');
  const again = await s.inject({ method: 'POST', url: `/api/v1/cofinancing-programs/${program.id}/close` });
  t.equal(again.statusCode, 409);
  t.equal(again.json().code, 'cofinancing_program_already_closed');
  t.throws(
    () => commitEnvelope(db, { programId: program.id, orderId: 'o', buyerId: world.buyer.id, amountCents: 1, at: '2026-11-25T10:00:00.000Z' }),
    { code: 'cofinancing_program_closed', status: 422 },
  );
});

t.test('the public categories of the scheme are listed to anyone, priority ones first', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const res = await app.inject({ method: 'GET', url: '/api/v1/public-categories' });
  t.equal(res.statusCode, 200);
  const items = res.json().items as { code: string; label: string; priority: boolean }[];
  t.same(
    items.map((c) => c.code),
    REFERENCE_PUBLIC_CATEGORIES.map((c) => c.code),
  );
  t.same(items.filter((c) => c.priority).map((c) => c.code), ['decrocheurs_peu_qualifies', 'jeunes_16_25_insertion']);
  t.ok(items.every((c) => c.label.length > 0));
});

t.test('reference data loads idempotently and never undoes the operator’s edits', async (t) => {
  const { db } = await buildTestApp(t);
  const clock = new ManualClock('2026-11-25T10:00:00.000Z');
  t.equal(seedReferenceData(db, clock).length, REFERENCE_PUBLIC_CATEGORIES.length);
  db.update(publicCategories).set({ label: 'Seniors', active: false }).where(eq(publicCategories.code, 'seniors_60_plus')).run();
  t.same(seedReferenceData(db, clock), [], 'nothing inserted the second time');
  const seniors = db.select().from(publicCategories).where(eq(publicCategories.code, 'seniors_60_plus')).get();
  t.match(seniors, { label: 'Seniors', active: false });
  const first = seedDemoProgram(db, clock);
  t.equal(seedDemoProgram(db, clock), first);
  const demo = db.select().from(cofinancingPrograms).all();
  t.equal(demo.length, 1);
  t.match(demo[0], { name: DEMO_PROGRAM_NAME, rateBasisPoints: 5000, envelopeCents: 1_500_000_000, minOrderCents: 2_000_000, perBuyerCapCents: 150_000_000 });
});

t.test('an operator admin adds, renames and deactivates a public; codes are snake_case', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedReference(db);
  const s = await loginAs(app, world.operatorAdmin);
  const created = await s.inject({ method: 'POST', url: '/api/v1/public-categories', payload: { code: ' Parents-Isolés ', label: 'Parents isolés' } });
  t.equal(created.statusCode, 400, 'accents are not allowed in codes');
  t.match(created.json().errors, [{ path: 'code' }]);
  const ok = await s.inject({ method: 'POST', url: '/api/v1/public-categories', payload: { code: 'Parents isoles', label: 'Parents isolés', priority: true } });
  t.equal(ok.statusCode, 201);
  t.match(ok.json(), { code: 'parents_isoles', label: 'Parents isolés', priority: true, active: true });
  const dup = await s.inject({ method: 'POST', url: '/api/v1/public-categories', payload: { code: 'parents_isoles', label: 'Autre' } });
  t.equal(dup.statusCode, 409);
  t.equal(dup.json().code, 'public_category_exists');
  const off = await s.inject({ method: 'PATCH', url: '/api/v1/public-categories/parents_isoles', payload: { active: false, label: 'Familles monoparentales' } });
  t.equal(off.statusCode, 200);
  t.match(off.json(), { label: 'Familles monoparentales', active: false });
  const offered = (await app.inject({ method: 'GET', url: '/api/v1/public-categories' })).json().items.map((c: { code: string }) => c.code);
  t.notOk(offered.includes('parents_isoles'), 'a deactivated public is no longer offered');
  const all = (await app.inject({ method: 'GET', url: '/api/v1/public-categories?includeInactive=true' })).json().items;
  t.ok(all.some((c: { code: string }) => c.code === 'parents_isoles'));
  t.equal((await s.inject({ method: 'PATCH', url: '/api/v1/public-categories/inconnu', payload: { active: false } })).statusCode, 404);
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'POST', url: '/api/v1/public-categories', payload: { code: 'x_y', label: 'X' } })).statusCode, 403);
  t.equal((await buyer.inject({ method: 'PATCH', url: '/api/v1/public-categories/allophones', payload: { active: false } })).statusCode, 403);
});

t.test('the programmes and publics pages render for the operator admin, with amounts in euros', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedReference(db);
  const program = createProgram(db, { name: 'Programme national', envelopeCents: 1_500_000_000 });
  const s = await loginAs(app, world.operatorAdmin);
  const list = await s.inject({ method: 'GET', url: '/programmes', headers: { accept: 'text/html' } });
  t.equal(list.statusCode, 200);
  t.match(list.body, '<h1>Programmes de cofinancement</h1>');
  t.match(list.body, /15\s000\s000,00\s€/);
  t.match(list.body, 'Créer un programme');
  t.match(list.body, 'href="/programmes"', 'navigation entry');
  const edit = await s.inject({ method: 'GET', url: `/programmes/${program.id}/modifier`, headers: { accept: 'text/html' } });
  t.equal(edit.statusCode, 200);
  t.match(edit.body, '<h1>Modifier le programme « Programme national »</h1>');
  t.match(edit.body, 'value="15000000"');
  const publics = await s.inject({ method: 'GET', url: '/publics', headers: { accept: 'text/html' } });
  t.equal(publics.statusCode, 200);
  t.match(publics.body, '<h1>Publics</h1>');
  t.match(publics.body, 'decrocheurs_peu_qualifies');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/programmes', headers: { accept: 'text/html' } })).statusCode, 403);
});

t.test('the programme form takes euros and percentages and re-renders with errors in place', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const form = (fields: Record<string, string | string[]>) => {
    const params = new URLSearchParams({ _csrf: s.csrfToken });
    for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) params.append(key, v);
    return s.inject({ method: 'POST', url: '/programmes', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: params.toString(), csrf: false });
  };
  const fields = {
    name: 'Programme départemental',
    ratePercent: '33,5',
    eligibleBuyerTypes: ['commune', 'epci'],
    envelopeEuros: '1 000 000',
    minOrderEuros: '',
    perBuyerCapEuros: '50 000,50',
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
  };
  const bad = await form({ ...fields, ratePercent: 'beaucoup' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="ratePercent-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">/, 'the error is next to the rate');
  t.match(bad.body, 'value="Programme départemental"', 'typed values are kept');
  t.match(bad.body, /value="epci" checked/, 'ticked boxes stay ticked');
  const backwards = await form({ ...fields, endsOn: '2025-01-01' });
  t.equal(backwards.statusCode, 400);
  t.match(backwards.body, /id="endsOn-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">La date de fin/);
  const ok = await form(fields);
  t.equal(ok.statusCode, 303);
  const row = db.select().from(cofinancingPrograms).get();
  t.match(row, { rateBasisPoints: 3350, envelopeCents: 100_000_000, perBuyerCapCents: 5_000_050, minOrderCents: null, eligibleBuyerTypes: ['commune', 'epci'] });
  const edit = (payload: Record<string, string | string[]>) => {
    const params = new URLSearchParams({ _csrf: s.csrfToken });
    for (const [key, value] of Object.entries(payload)) for (const v of [value].flat()) params.append(key, v);
    return s.inject({ method: 'POST', url: `/programmes/${row!.id}/modifier`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: params.toString(), csrf: false });
  };
  // The payer, entered on the form, is what lets the programme commit.
  const payerFields = {
    payerName: TEST_PROGRAM_PAYER.name,
    payerSiret: TEST_PROGRAM_PAYER.siret,
    payerLine: TEST_PROGRAM_PAYER.address.line,
    payerPostalCode: TEST_PROGRAM_PAYER.address.postalCode,
    payerCity: TEST_PROGRAM_PAYER.address.city,
    payerServiceCode: TEST_PROGRAM_PAYER.serviceCode,
    payerEngagementNumber: TEST_PROGRAM_PAYER.engagementNumber,
  };
  t.equal((await edit({ ...fields, ...payerFields })).statusCode, 303);
  t.same(db.select().from(cofinancingPrograms).get()?.payer, TEST_PROGRAM_PAYER);
  commitEnvelope(db, { programId: row!.id, orderId: 'o1', buyerId: world.buyer.id, amountCents: 5_000_000, at: '2026-11-25T10:00:00.000Z' });
  const tooSmall = await edit({ ...fields, envelopeEuros: '40 000', perBuyerCapEuros: '' });
  t.equal(tooSmall.statusCode, 422);
  t.match(tooSmall.body, /déjà engagés/);
  const saved = await edit({ ...fields, ...payerFields, envelopeEuros: '2 000 000' });
  t.equal(saved.statusCode, 303);
  t.equal(db.select().from(cofinancingPrograms).get()?.envelopeCents, 200_000_000);
  const close = await s.inject({ method: 'POST', url: `/programmes/${row!.id}/cloturer`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(s.csrfToken)}`, csrf: false });
  t.equal(close.statusCode, 303);
  t.equal(db.select().from(cofinancingPrograms).get()?.status, 'closed');
});

t.test('the publics page adds a public and toggles it', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  seedReference(db);
  const s = await loginAs(app, world.operatorAdmin);
  const post = (url: string, fields: Record<string, string> = {}) =>
    s.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ _csrf: s.csrfToken, ...fields }).toString(),
      csrf: false,
    });
  const bad = await post('/publics', { code: '', label: 'Parents isolés' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="code-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">/);
  t.equal((await post('/publics', { code: 'parents_isoles', label: 'Parents isolés', priority: 'on' })).statusCode, 303);
  t.match(db.select().from(publicCategories).where(eq(publicCategories.code, 'parents_isoles')).get(), { priority: true, active: true });
  const dup = await post('/publics', { code: 'parents_isoles', label: 'Autre' });
  t.equal(dup.statusCode, 409);
  t.equal((await post('/publics/parents_isoles/desactiver')).statusCode, 303);
  t.equal(db.select().from(publicCategories).where(eq(publicCategories.code, 'parents_isoles')).get()?.active, false);
  t.equal((await post('/publics/parents_isoles/activer')).statusCode, 303);
  t.equal(db.select().from(publicCategories).where(eq(publicCategories.code, 'parents_isoles')).get()?.active, true);
});

t.test('a programme names its payer, printed on its calls for funds; without one its orders cannot be approved', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const payer = { name: 'Préfecture de la Haute-Garonne', siret: '17310001800014', address: { line: '1 place Saint-Étienne', postalCode: '31038', city: 'Toulouse' }, serviceCode: 'sgar-num', engagementNumber: 'EJ 2026 77' };
  const created = await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: { ...national, payer } });
  t.equal(created.statusCode, 201, created.body);
  t.match(created.json().payer, { name: 'Préfecture de la Haute-Garonne', serviceCode: 'SGAR-NUM', engagementNumber: 'EJ 2026 77' });
  const bad = await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: { ...national, payer: { ...payer, siret: '17310001800015' } } });
  t.equal(bad.statusCode, 400);
  const bare = (await s.inject({ method: 'POST', url: '/api/v1/cofinancing-programs', payload: national })).json();
  t.equal(bare.payer, null);
  const buyer = await loginAs(app, world.buyerAdmin);
  const order = (await postOrder(buyer, { ...untargetedOrder, cofinancingProgramId: bare.id })).json();
  const refused = await s.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` });
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'program_payer_missing');
  const patched = await s.inject({ method: 'PATCH', url: `/api/v1/cofinancing-programs/${bare.id}`, payload: { payer } });
  t.equal(patched.statusCode, 200, patched.body);
  t.equal(patched.json().payer.siret, '17310001800014');
  t.equal((await s.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/approve` })).statusCode, 200);
});
