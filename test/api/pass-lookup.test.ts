/**
 * Pass lookups (GET /api/v1/passes/:code) and the public pass page (/p/:code) on the booklet tests'
 * approved order (test/helpers/booklet-order.ts): what they say, what they refuse, and throttling.
 */
import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { loginAs, type Session, type TestApp } from '../helpers/app.ts';
import { approvedBookletOrder as approved } from '../helpers/booklet-order.ts';
import { createPlace, createUser } from '../helpers/fixtures.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { orders } from '../../db/schema/orders.ts';
import { computeCheckCharacter, formatPassCode, PASS_CODE_ALPHABET } from '../../server/modules/booklets/pass-code.ts';

const get = (s: Session, url: string, headers: Record<string, string> = {}) => s.inject({ method: 'GET', url, headers });

/** A code with a valid check character whose signature was not made with our secret. */
function forge(code: string): string {
  const body = code.slice(0, -1).split('');
  const i = 14; // inside the tag
  body[i] = PASS_CODE_ALPHABET[(PASS_CODE_ALPHABET.indexOf(body[i]!) + 7) % 32]!;
  const forgedBody = body.join('');
  return forgedBody + computeCheckCharacter(forgedBody);
}

/**
 * SQL statements executed while `run` executes. Executions, not preparations: the hot path prepares
 * its statements once per connection, so a spy on prepare() would see nothing the second time.
 */
async function executedDuring<T>(t: Test, db: { $client: { prepare: (sql: string) => object } }, run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  type Execute = (this: { source: string }, ...args: unknown[]) => unknown;
  const statementMethods = Object.getPrototypeOf(db.$client.prepare('SELECT 1')) as Record<'get' | 'all' | 'run' | 'iterate', Execute>;
  const originals = (['get', 'all', 'run', 'iterate'] as const).map((name) => [name, statementMethods[name]] as const);
  const statements: string[] = [];
  for (const [name, original] of originals) {
    statementMethods[name] = function (this: { source: string }, ...args: unknown[]) {
      statements.push(this.source);
      return original.apply(this, args);
    };
  }
  const restore = () => {
    for (const [name, original] of originals) statementMethods[name] = original;
  };
  t.teardown(restore);
  try {
    return { result: await run(), statements };
  } finally {
    restore();
  }
}

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

  const touchesPasses = (statements: string[]) => statements.some((sql) => /from "?passes"?/i.test(sql));
  for (const [label, code] of [
    ['forged', forged],
    ['mistyped', mistyped],
    ['malformed', 'not-a-code'],
  ] as const) {
    const { result, statements } = await executedDuring(t, db, () => get(place, `/api/v1/passes/${code}`));
    t.equal(result.statusCode, 404, label);
    t.equal(result.json().code, 'pass_not_found', label);
    t.notOk(touchesPasses(statements), `${label}: no query on passes`);
  }
  const genuine = await executedDuring(t, db, () => get(place, `/api/v1/passes/${pass.code}`));
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
