import t from 'tap';
import { eq } from 'drizzle-orm';
import { loginAs, type Session } from '../helpers/app.ts';
import { approvedBookletOrder as approved, bookletOrderWorld as setup, BOOKLETS, PER_BOOKLET } from '../helpers/booklet-order.ts';
import { booklets, passes, printProofs } from '../../db/schema/booklets.ts';
import { orders } from '../../db/schema/orders.ts';
import { approveOrder } from '../../server/modules/orders/orders.service.ts';
import type { PassCodeFactory } from '../../server/modules/booklets/pass-code.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { countBookletPages } from '../../templates/pdf/booklet.ts';

// Pass lookups and the public pass page, on the same order, are in pass-lookup.test.ts.

const get = (s: Session, url: string, headers: Record<string, string> = {}) => s.inject({ method: 'GET', url, headers });
const post = (s: Session, url: string) => s.inject({ method: 'POST', url });

/** Pages of a PDF made by pdfkit: one uncompressed `/Type /Page` dictionary each. */
const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;

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
