import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session, type TestApp } from '../helpers/app.ts';
import { createProgram, createUser, seedReference, seedWorld, createPlace } from '../helpers/fixtures.ts';
import { booklets, passes, printProofs } from '../../db/schema/booklets.ts';
import { orders } from '../../db/schema/orders.ts';
import { computeCheckCharacter, formatPassCode, PASS_CODE_ALPHABET } from '../../server/modules/booklets/pass-code.ts';
import { approveOrder } from '../../server/modules/orders/orders.service.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { countBookletPages } from '../../templates/pdf/booklet.ts';

const BOOKLETS = 12;
const PER_BOOKLET = 10;

const baseOrder = {
  bookletCount: BOOKLETS,
  passesPerBooklet: PER_BOOKLET,
  faceValueCents: 1000,
  validFrom: '2027-01-01',
  validUntil: '2027-12-31',
  publics: ['seniors_60_plus'],
  territory: { departements: ['31'] },
};

async function setup(t: Test, orderOverrides: Record<string, unknown> = {}) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const res = await buyer.inject({ method: 'POST', url: '/api/v1/orders', payload: { ...baseOrder, cofinancingProgramId: program.id, ...orderOverrides } });
  if (res.statusCode !== 201) throw new Error(`order refused: ${res.body}`);
  const order = res.json() as { id: string; reference: string };
  return { ...ctx, world, buyer, operator, order };
}

async function approved(t: Test, orderOverrides: Record<string, unknown> = {}) {
  const ctx = await setup(t, orderOverrides);
  const res = await ctx.operator.inject({ method: 'POST', url: `/api/v1/orders/${ctx.order.id}/approve` });
  if (res.statusCode !== 200) throw new Error(`approval refused: ${res.body}`);
  return ctx;
}

const get = (s: Session, url: string, headers: Record<string, string> = {}) => s.inject({ method: 'GET', url, headers });
const post = (s: Session, url: string) => s.inject({ method: 'POST', url });

/** Pages of a PDF made by pdfkit: one uncompressed `/Type /Page` dictionary each. */
const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;

/** A code with a valid check character whose signature was not made with our secret. */
function forge(code: string): string {
  const body = code.slice(0, -1).split('');
  const i = 14; // inside the tag
  body[i] = PASS_CODE_ALPHABET[(PASS_CODE_ALPHABET.indexOf(body[i]!) + 7) % 32]!;
  const forgedBody = body.join('');
  return forgedBody + computeCheckCharacter(forgedBody);
}

/** SQL statements prepared on the connection while `run` executes. */
async function preparedDuring<T>(t: Test, db: { $client: { prepare: (sql: string) => unknown } }, run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const client = db.$client;
  const original = client.prepare;
  const statements: string[] = [];
  client.prepare = function (this: unknown, sql: string) {
    statements.push(sql);
    return original.call(this, sql);
  };
  t.teardown(() => {
    client.prepare = original;
  });
  try {
    return { result: await run(), statements };
  } finally {
    client.prepare = original;
  }
}

t.test('approval issues one booklet per ordered booklet, each with its passes, every code unique and genuine', async (t) => {
  const { db, app, order } = await approved(t);
  const rows = db.select().from(passes).where(eq(passes.orderId, order.id)).all();
  t.equal(rows.length, BOOKLETS * PER_BOOKLET);
  t.equal(new Set(rows.map((p) => p.code)).size, rows.length, 'codes unique');
  for (const p of rows) {
    const v = app.passCodes.verify(p.code);
    if (!v.ok || v.code !== p.code) t.fail(`code ${p.code} does not verify`);
  }
  t.ok(rows.every((p) => p.status === 'issued' && p.faceValueCents === 1000));
  const bookletRows = db.select().from(booklets).where(eq(booklets.orderId, order.id)).all();
  t.equal(bookletRows.length, BOOKLETS);
  for (const b of bookletRows) {
    const positions = rows.filter((p) => p.bookletId === b.id).map((p) => p.position).sort((x, y) => x - y);
    t.same(positions, Array.from({ length: PER_BOOKLET }, (_, i) => i + 1), `booklet ${b.serial} holds passes 1…${PER_BOOKLET}`);
  }
});

t.test('issuance is all-or-nothing and exact: a failure midway leaves no booklet, a full run issues every pass', async (t) => {
  const { db, app, order, world } = await setup(t, { bookletCount: 200 });
  const operator: Actor = {
    userId: world.operatorAdmin.id,
    email: world.operatorAdmin.email,
    name: 'Opératrice',
    role: 'admin',
    organisationId: world.operator.id,
    organisationKind: 'operator',
    organisationName: 'Opérateur',
    via: 'token',
  };
  let made = 0;
  const failing: PassCodeFactory = {
    verify: (input) => app.passCodes.verify(input),
    generate: () => {
      if (++made > 1500) throw new Error('panne simulée du générateur');
      return app.passCodes.generate();
    },
  };
  t.throws(() => approveOrder({ db, clock: app.clock, actor: operator, orderId: order.id, codes: failing }), /panne simulée/);
  t.equal(db.select().from(booklets).all().length, 0, 'no booklet left');
  t.equal(db.select().from(passes).all().length, 0, 'no pass left');
  t.equal(db.select().from(orders).where(eq(orders.id, order.id)).get()!.status, 'submitted', 'order untouched');

  // The same approval with a working generator, counting the transactions it opens.
  let transactions = 0;
  const originalTransaction = db.transaction.bind(db);
  db.transaction = ((fn: Parameters<typeof db.transaction>[0], config?: Parameters<typeof db.transaction>[1]) => {
    transactions++;
    return originalTransaction(fn, config);
  }) as typeof db.transaction;
  approveOrder({ db, clock: app.clock, actor: operator, orderId: order.id, codes: app.passCodes });
  db.transaction = originalTransaction;
  t.equal(transactions, 1, 'one transaction');
  t.equal(db.select().from(booklets).all().length, 200);
  t.equal(db.select().from(passes).all().length, 2000);
});

t.test('serials are unique, follow the printing order, and the list pages through them; CSV too', async (t) => {
  const { buyer, order } = await approved(t);
  const first = await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=5`);
  t.equal(first.statusCode, 200);
  const page1 = first.json() as { items: { serial: string; position: number; status: string; holderName: string }[]; nextCursor: string | null };
  t.equal(page1.items.length, 5);
  t.ok(page1.nextCursor);
  const all = (await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=500`)).json() as typeof page1;
  t.equal(all.items.length, BOOKLETS);
  t.equal(all.nextCursor, null);
  t.same(
    all.items.map((b) => b.position),
    Array.from({ length: BOOKLETS }, (_, i) => i + 1),
  );
  t.ok(all.items.every((b) => /^CD31-2026-\d{6}$/.test(b.serial)), 'Haute-Garonne prefix and year');
  t.same(all.items.map((b) => b.serial), [...all.items.map((b) => b.serial)].sort(), 'serials ascend with the position');
  t.equal(new Set(all.items.map((b) => b.serial)).size, BOOKLETS);
  t.ok(all.items.every((b) => b.status === 'in_stock' && b.holderName === 'Département de test'));
  const page2 = (await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=5&cursor=${page1.nextCursor}`)).json() as typeof page1;
  t.same(page2.items.map((b) => b.position), [6, 7, 8, 9, 10]);

  const csv = await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=500`, { accept: 'text/csv' });
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  t.equal(lines.length, BOOKLETS + 1);
  t.match(lines[0], /Numéro de carnet;Position;Statut;Détenteur;Pass/);
  t.match(lines[1], /^CD31-2026-\d{6};1;En stock;Département de test;10$/);
  t.equal((await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=500&format=csv`)).headers['content-type'], 'text/csv; charset=utf-8', 'download link form');
  t.equal((await get(buyer, `/api/v1/orders/${order.id}/booklets?cursor=abc`)).statusCode, 400);
});

t.test('a booklet is visible to its buyer, the prescriber holding it and the operator; to no one else', async (t) => {
  const { app, db, buyer, operator, order, world } = await approved(t);
  const list = (await get(buyer, `/api/v1/orders/${order.id}/booklets?limit=2`)).json() as { items: { serial: string }[] };
  const serial = list.items[0]!.serial;
  const mine = await get(buyer, `/api/v1/booklets/${serial}`);
  t.equal(mine.statusCode, 200);
  const view = mine.json() as { serial: string; orderId: string; status: string; holderId: string; passes: { code: string; status: string }[] };
  t.match(view, { serial, orderId: order.id, status: 'in_stock', holderId: world.buyer.id });
  t.equal(view.passes.length, PER_BOOKLET);
  t.ok(view.passes.every((p) => app.passCodes.verify(p.code).ok && p.status === 'issued'));
  t.equal((await get(buyer, `/api/v1/booklets/${serial.toLowerCase()}`)).statusCode, 200, 'serial read in any case');
  t.equal((await get(operator, `/api/v1/booklets/${serial}`)).statusCode, 200);

  const other = await loginAs(app, world.otherBuyerAdmin);
  const hidden = await get(other, `/api/v1/booklets/${serial}`);
  t.equal(hidden.statusCode, 404);
  t.equal(hidden.json().code, 'booklet_not_found');
  t.equal((await get(other, `/api/v1/orders/${order.id}/booklets`)).statusCode, 404);
  t.equal((await get(other, `/api/v1/orders/${order.id}/proof.pdf`)).statusCode, 404);

  const prescriber = await loginAs(app, world.prescriberAdmin);
  t.equal((await get(prescriber, `/api/v1/booklets/${serial}`)).statusCode, 404, 'a prescriber not holding it');
  t.equal((await get(prescriber, `/api/v1/orders/${order.id}/booklets`)).statusCode, 404);
  db.update(booklets).set({ holderId: world.prescriber.id, status: 'allotted' }).where(eq(booklets.serial, serial)).run();
  t.equal((await get(prescriber, `/api/v1/booklets/${serial}`)).statusCode, 200, 'the prescriber holding it');
  const held = (await get(prescriber, `/api/v1/orders/${order.id}/booklets`)).json() as { items: { serial: string }[] };
  t.same(held.items.map((b) => b.serial), [serial], 'a prescriber lists only the booklets it holds');

  const place = await loginAs(app, world.placeAdmin);
  t.equal((await get(place, `/api/v1/booklets/${serial}`)).statusCode, 403);
});

t.test('the print file needs the accepted proof; the proof is the first booklet, watermarked', async (t) => {
  const ctx = await setup(t);
  const { buyer, operator, order, clock, db } = ctx;
  const early = await get(buyer, `/api/v1/orders/${order.id}/proof.pdf`);
  t.equal(early.statusCode, 409, 'nothing to prove before approval');
  t.equal(early.json().code, 'order_not_approved');
  await post(operator, `/api/v1/orders/${order.id}/approve`);

  const proof = await get(buyer, `/api/v1/orders/${order.id}/proof.pdf`);
  t.equal(proof.statusCode, 200);
  t.equal(proof.headers['content-type'], 'application/pdf');
  t.match(proof.headers['content-disposition'], new RegExp(`BAT-${order.reference}\\.pdf`));
  t.equal(proof.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  t.equal(pageCount(proof.rawPayload), countBookletPages(PER_BOOKLET), 'one booklet');

  const refused = await get(buyer, `/api/v1/orders/${order.id}/booklets.pdf`);
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().code, 'proof_not_accepted');
  const serial = (db.select().from(booklets).where(eq(booklets.position, 1)).get()!).serial;
  t.equal((await get(buyer, `/api/v1/booklets/${serial}.pdf`)).statusCode, 409, 'no reprint before the proof either');

  t.equal((await post(operator, `/api/v1/orders/${order.id}/proof/accept`)).statusCode, 403, 'the operator cannot accept for the buyer');
  const accepted = await post(buyer, `/api/v1/orders/${order.id}/proof/accept`);
  t.equal(accepted.statusCode, 200);
  t.match(accepted.json(), { orderId: order.id, acceptedAt: '2026-11-25T10:00:00.000Z', acceptedByName: 'Utilisateur admin' });
  clock.advance(3600_000);
  t.equal((await post(buyer, `/api/v1/orders/${order.id}/proof/accept`)).json().acceptedAt, '2026-11-25T10:00:00.000Z', 'the first acceptance is kept');
  t.equal(db.select().from(printProofs).all().length, 1);

  const file = await get(buyer, `/api/v1/orders/${order.id}/booklets.pdf`);
  t.equal(file.statusCode, 200);
  t.equal(file.headers['content-type'], 'application/pdf');
  t.match(file.headers['content-disposition'], new RegExp(`attachment; filename="carnets-${order.reference}\\.pdf"`));
  t.equal(file.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  t.match(file.rawPayload.subarray(-8).toString('latin1'), /%%EOF/);
  t.equal(pageCount(file.rawPayload), countBookletPages(PER_BOOKLET) * BOOKLETS, 'every booklet');
  t.equal((await get(operator, `/api/v1/orders/${order.id}/booklets.pdf`)).statusCode, 200, 'the operator downloads it too');

  const one = await get(buyer, `/api/v1/booklets/${serial}.pdf`);
  t.equal(one.statusCode, 200);
  t.equal(one.headers['content-type'], 'application/pdf');
  t.equal(one.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  t.equal(pageCount(one.rawPayload), countBookletPages(PER_BOOKLET));
});

t.test('the print file is read in batches: an order larger than one batch prints every booklet once, in order', async (t) => {
  const { buyer, operator, order } = await approved(t, { bookletCount: 450, passesPerBooklet: 1 });
  void operator;
  await post(buyer, `/api/v1/orders/${order.id}/proof/accept`);
  const file = await get(buyer, `/api/v1/orders/${order.id}/booklets.pdf`);
  t.equal(file.statusCode, 200);
  t.equal(pageCount(file.rawPayload), 450 * countBookletPages(1));
});

/**
 * A pass as it is once its booklet has been handed out: the pass active, its booklet distributed and
 * its order funded. The lookup applies the redemption's own rule, which checks all three.
 */
function handOut(db: TestApp['db'], pass: { id: number; bookletId: string; orderId: string }): void {
  db.update(passes).set({ status: 'active' }).where(eq(passes.id, pass.id)).run();
  db.update(booklets).set({ status: 'distributed' }).where(eq(booklets.id, pass.bookletId)).run();
  db.update(orders).set({ fundedAt: '2026-11-25T10:00:00.000Z' }).where(eq(orders.id, pass.orderId)).run();
}

t.test('pass lookup: status, value, validity, and whether and why it can be redeemed', async (t) => {
  const { app, db, clock, order, world } = await approved(t);
  const place = await loginAs(app, world.placeAdmin);
  const pass = db.select().from(passes).where(eq(passes.orderId, order.id)).get()!;

  const res = await get(place, `/api/v1/passes/${pass.code}`);
  t.equal(res.statusCode, 200);
  t.same(res.json(), { code: pass.code, status: 'issued', faceValueCents: 1000, validFrom: '2027-01-01', validUntil: '2027-12-31', redeemable: false, reason: 'pass_not_distributed' });
  const typed = formatPassCode(pass.code).toLowerCase().replace(/-/g, ' ');
  t.equal((await get(place, `/api/v1/passes/${encodeURIComponent(typed)}`)).json().code, pass.code, 'lower case with spaces');

  handOut(db, pass);
  t.match((await get(place, `/api/v1/passes/${pass.code}`)).json(), { redeemable: false, reason: 'pass_not_valid_yet' });
  // Sessions expire while the clock jumps months: log in again at each date.
  const lookupOn = async (instant: string) => {
    clock.set(instant);
    return (await get(await loginAs(app, world.placeAdmin), `/api/v1/passes/${pass.code}`)).json();
  };
  const ok = await lookupOn('2027-06-01T10:00:00Z');
  t.equal(ok.redeemable, true);
  t.notOk('reason' in ok);
  t.equal((await lookupOn('2028-01-31T10:00:00Z')).redeemable, true, 'last day of the 31-day grace period');
  t.match(await lookupOn('2028-02-01T10:00:00Z'), { redeemable: false, reason: 'pass_expired' });
  for (const [status, reason] of [
    ['blocked', 'pass_blocked'],
    ['redeemed', 'pass_already_redeemed'],
    ['reimbursed', 'pass_already_redeemed'],
    ['expired', 'pass_expired'],
  ] as const) {
    db.update(passes).set({ status }).where(eq(passes.id, pass.id)).run();
    t.match(await lookupOn('2027-06-01T10:00:00Z'), { status, redeemable: false, reason }, status);
  }

  const operator = await loginAs(app, world.operatorAdmin);
  t.equal((await get(operator, `/api/v1/passes/${pass.code}`)).statusCode, 200, 'the operator looks passes up too');
  t.equal((await get(await loginAs(app, world.buyerAdmin), `/api/v1/passes/${pass.code}`)).statusCode, 403, 'a buyer does not');
});

t.test('a forged or mistyped code is a 404 without any pass query', async (t) => {
  const { app, db, order, world } = await approved(t);
  const place = await loginAs(app, world.placeAdmin);
  const pass = db.select().from(passes).where(eq(passes.orderId, order.id)).get()!;
  const forged = forge(pass.code);
  t.equal(app.passCodes.verify(forged).ok, false);
  t.match(app.passCodes.verify(forged), { reason: 'bad_signature' }, 'the check character is right, the signature is not');
  const mistyped = pass.code.slice(0, 5) + (pass.code[5] === 'A' ? 'B' : 'A') + pass.code.slice(6);

  const touchesPasses = (statements: string[]) => statements.some((sql) => /from "passes"/i.test(sql));
  for (const [label, code] of [
    ['forged', forged],
    ['mistyped', mistyped],
    ['malformed', 'not-a-code'],
  ] as const) {
    const { result, statements } = await preparedDuring(t, db, () => get(place, `/api/v1/passes/${code}`));
    t.equal(result.statusCode, 404, label);
    t.equal(result.json().code, 'pass_not_found', label);
    t.notOk(touchesPasses(statements), `${label}: no query on passes`);
  }
  const genuine = await preparedDuring(t, db, () => get(place, `/api/v1/passes/${pass.code}`));
  t.ok(touchesPasses(genuine.statements), 'the spy does see a genuine lookup');
});

t.test('failed lookups are throttled per user, then per IP address; the window passing lets them in again', async (t) => {
  const { app, db, clock, order, world } = await approved(t);
  const place = await loginAs(app, world.placeAdmin);
  const pass = db.select().from(passes).where(eq(passes.orderId, order.id)).get()!;
  const forged = forge(pass.code);
  for (let i = 0; i < 20; i++) t.equal((await get(place, `/api/v1/passes/${forged}`)).statusCode, 404);
  const blocked = await get(place, `/api/v1/passes/${pass.code}`);
  t.equal(blocked.statusCode, 429, 'even a genuine code once throttled');
  t.equal(blocked.json().code, 'too_many_pass_lookups');
  t.equal(blocked.headers['retry-after'], '600');
  clock.advance(5 * 60_000);
  t.equal((await get(place, `/api/v1/passes/${pass.code}`)).headers['retry-after'], '300');
  clock.advance(5 * 60_000);
  t.equal((await get(place, `/api/v1/passes/${pass.code}`)).statusCode, 200, 'ten minutes later');

  // 50 failures from one address across several users close that address to everyone.
  const agents: Session[] = [];
  for (let i = 0; i < 3; i++) agents.push(await loginAs(app, await createUser(db, world.place, { role: 'agent' })));
  for (const [i, agent] of agents.entries()) {
    for (let k = 0; k < (i < 2 ? 20 : 10); k++) await get(agent, `/api/v1/passes/${forged}`);
  }
  const fresh = await loginAs(app, await createUser(db, world.place, { role: 'agent' }));
  t.equal((await get(fresh, `/api/v1/passes/${pass.code}`)).statusCode, 429);
  const elsewhere = await fresh.inject({ method: 'GET', url: `/api/v1/passes/${pass.code}`, remoteAddress: '192.0.2.7' });
  t.equal(elsewhere.statusCode, 200, 'another address is not affected');
});

t.test('the order shows where its passes and booklets stand', async (t) => {
  const { buyer, operator, db, order } = await setup(t);
  const before = (await get(buyer, `/api/v1/orders/${order.id}`)).json();
  t.same(before.counts, { issued: 0, inStock: 0, allotted: 0, distributed: 0, redeemed: 0, reimbursed: 0, expired: 0, cancelled: 0, blocked: 0 });
  await post(operator, `/api/v1/orders/${order.id}/approve`);
  const after = (await get(buyer, `/api/v1/orders/${order.id}`)).json();
  t.match(after.counts, { issued: 120, inStock: 120, allotted: 0, distributed: 0 });
  t.match(after.bookletCounts, { issued: 12, inStock: 12, allotted: 0 });

  const [b1, b2, b3] = db.select().from(booklets).where(eq(booklets.orderId, order.id)).orderBy(booklets.position).all();
  db.update(booklets).set({ status: 'allotted' }).where(eq(booklets.id, b1!.id)).run();
  db.update(booklets).set({ status: 'started' }).where(eq(booklets.id, b2!.id)).run();
  db.update(passes).set({ status: 'active' }).where(eq(passes.bookletId, b2!.id)).run();
  const b2Passes = db.select().from(passes).where(eq(passes.bookletId, b2!.id)).orderBy(passes.position).all();
  db.update(passes).set({ status: 'redeemed' }).where(eq(passes.id, b2Passes[0]!.id)).run();
  db.update(passes).set({ status: 'reimbursed' }).where(eq(passes.id, b2Passes[1]!.id)).run();
  db.update(booklets).set({ status: 'blocked' }).where(eq(booklets.id, b3!.id)).run();
  db.update(passes).set({ status: 'blocked' }).where(eq(passes.bookletId, b3!.id)).run();

  const now = (await get(operator, `/api/v1/orders/${order.id}`)).json();
  t.same(now.counts, { issued: 120, inStock: 90, allotted: 10, distributed: 8, redeemed: 1, reimbursed: 1, expired: 0, cancelled: 0, blocked: 10 });
  t.same(now.bookletCounts, { issued: 12, inStock: 9, allotted: 1, distributed: 0, started: 1, usedUp: 0, blocked: 1, expired: 0 });
  const c = now.counts;
  t.equal(c.inStock + c.allotted + c.distributed + c.redeemed + c.reimbursed + c.expired + c.cancelled + c.blocked, c.issued, 'a partition');
});

t.test('the public pass page says whether the pass can be used and until when, and nothing else', async (t) => {
  const { app, db, clock, order } = await approved(t);
  const pass = db.select().from(passes).where(eq(passes.orderId, order.id)).get()!;
  const booklet = db.select().from(booklets).where(eq(booklets.id, pass.bookletId)).get()!;

  const page = await app.inject({ method: 'GET', url: `/P/${pass.code}` });
  t.equal(page.statusCode, 200, 'the upper-case URL of the QR code');
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.headers['x-robots-tag'], /noindex/);
  t.match(page.body, /Pass numérique de 10,00/);
  t.match(page.body, /pas encore été remis/);
  t.match(page.body, /31 décembre 2027/);
  t.match(page.body, /Haute-Garonne/);
  t.notMatch(page.body, booklet.serial, 'no booklet serial');
  t.notMatch(page.body, 'Département de test', 'no buyer name');

  handOut(db, pass);
  clock.set('2027-03-01T10:00:00Z');
  const usable = await app.inject({ method: 'GET', url: `/p/${formatPassCode(pass.code).toLowerCase()}` });
  t.equal(usable.statusCode, 200);
  t.match(usable.body, /Ce pass est utilisable/);

  const forged = await app.inject({ method: 'GET', url: `/p/${forge(pass.code)}` });
  t.equal(forged.statusCode, 404);
  t.match(forged.body, /Pass introuvable/);
});

t.test('pages: the order shows the proof, its validation and the print file; the booklets list', async (t) => {
  const { app, buyer, operator, order, world } = await approved(t);
  const page = await get(buyer, `/commandes/${order.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, `/api/v1/orders/${order.id}/proof.pdf`);
  t.match(page.body, 'Valider le BAT');
  t.match(page.body, /sera disponible dès que le BAT sera validé/);
  t.notMatch((await get(operator, `/commandes/${order.id}`)).body, 'Valider le BAT', 'only the buyer validates');

  const validate = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/bat`, payload: { _csrf: buyer.csrfToken } });
  t.equal(validate.statusCode, 303);
  t.match(validate.headers.location, /message=bat/);
  const after = await get(buyer, `/commandes/${order.id}?message=bat`);
  t.match(after.body, /Bon à tirer validé/);
  t.match(after.body, `Télécharger le fichier d’impression (PDF, ${countBookletPages(PER_BOOKLET) * BOOKLETS} pages A4)`);

  const list = await get(buyer, `/commandes/${order.id}/carnets`);
  t.equal(list.statusCode, 200);
  t.match(list.body, /CD31-2026-\d{6}/);
  t.match(list.body, /En stock/);
  t.match(list.body, 'format=csv');
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await get(other, `/commandes/${order.id}/carnets`)).statusCode, 404);
});


t.test('the public pass page lists the labelled places of the territory, nearest first to the commune the visitor gives', async (t) => {
  const { app, db, order } = await approved(t);
  const pass = db.select().from(passes).where(eq(passes.orderId, order.id)).get()!;
  await createPlace(db, { name: 'EPN de Muret', sites: [{ name: 'EPN de Muret', communeCode: '31395' }] });
  await createPlace(db, { name: 'Médiathèque de Blagnac', sites: [{ name: 'Médiathèque de Blagnac', communeCode: '31069' }] });
  await createPlace(db, { name: 'Lieu suspendu', status: 'suspended', sites: [{ name: 'Lieu suspendu', communeCode: '31555' }] });
  await createPlace(db, { name: 'Fablab de Bordeaux', sites: [{ name: 'Fablab de Bordeaux', communeCode: '33063' }] });
  const page = await app.inject({ method: 'GET', url: `/p/${pass.code}?commune=Blagnac` });
  t.equal(page.statusCode, 200);
  const body = page.body;
  t.ok(body.indexOf('Médiathèque de Blagnac') < body.indexOf('EPN de Muret'), 'the place in the visitor’s commune first');
  t.notMatch(body, /Lieu suspendu/, 'only labelled places');
  t.notMatch(body, /Fablab de Bordeaux/, 'only places inside the order territory');
  const byPostcode = await app.inject({ method: 'GET', url: `/p/${pass.code}?commune=31600` });
  t.ok(byPostcode.body.indexOf('EPN de Muret') < byPostcode.body.indexOf('Médiathèque de Blagnac'), 'a postal code works too (31600 = Muret)');
});
