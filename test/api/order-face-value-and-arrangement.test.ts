import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { eq } from 'drizzle-orm';
import { orders } from '../../db/schema/orders.ts';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createOrganisation, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
const order = { bookletCount: 2, passesPerBooklet: 5, faceValueCents: 1000, validFrom: '2027-01-01', validUntil: '2027-12-31', publics: null, territory: null };
const arrangement = { kind: 'mandate_agreement', reference: 'CM-2026-04', date: '2026-03-01' };
const form = (s: Session, extra: Record<string, string>) =>
  s.inject({
    method: 'POST',
    url: '/commandes/nouvelle',
    payload: { action: 'commander', bookletCount: '2', passesPerBooklet: '5', faceValueEuros: '10', validFrom: '2027-01-01', validUntil: '2027-12-31', _csrf: s.csrfToken, ...extra },
  });

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  return { ...ctx, world, buyer, operator };
}

t.test('a pass is worth at least 10 €: below, the quote and the order are refused naming the field', async (t) => {
  const { buyer } = await setup(t);
  for (const url of ['/api/v1/orders/quote', '/api/v1/orders']) {
    const low = await post(buyer, url, { ...order, faceValueCents: 999 });
    t.equal(low.statusCode, 422, url);
    t.match(low.json(), { code: 'face_value_too_low', minimumCents: 1000, errors: [{ path: 'faceValueCents', message: /10,00\s€/ }] });
  }
  t.equal((await post(buyer, '/api/v1/orders', order)).statusCode, 201, '10,00 € is accepted');
});

t.test('the order form says so in French next to the face value, and keeps what was typed', async (t) => {
  const { buyer } = await setup(t);
  const page = await form(buyer, { faceValueEuros: '9,99' });
  t.equal(page.statusCode, 422);
  t.match(page.body, /id="faceValueEuros" name="faceValueEuros" value="9,99"/, 'the input keeps its value');
  t.match(page.body, /<p class="fr-message fr-message--error">Valeur faciale d’au moins 10,00\s€<\/p>/, 'the message is under the field');
  t.match(page.body, /La valeur d’un pass doit être d’au moins 10,00\s€/);
});

t.test('a public buyer’s payment arrangement is kept on the order, shown on its page and printed on its invoice', async (t) => {
  const { buyer, operator } = await setup(t);
  const created = await post(buyer, '/api/v1/orders', { ...order, paymentArrangement: arrangement });
  t.equal(created.statusCode, 201, created.body);
  t.same(created.json().paymentArrangement, arrangement);
  const page = await buyer.inject({ method: 'GET', url: `/commandes/${created.json().id}` });
  t.match(page.body, /Convention de mandat n° CM-2026-04 du 1er mars 2026/);
  t.equal((await post(operator, `/api/v1/orders/${created.json().id}/approve`)).statusCode, 200);
  const [invoice] = (await buyer.inject({ method: 'GET', url: `/api/v1/invoices?orderId=${created.json().id}` })).json().items as { id: string }[];
  const pdf = await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${invoice!.id}.pdf` });
  const text = execFileSync('pdftotext', ['-', '-'], { input: pdf.rawPayload }).toString().replace(/\s+/g, ' ');
  t.match(text, /Modalité de paiement : Convention de mandat n° CM-2026-04 du 1er mars 2026/);
});

t.test('the arrangement is entered on the order form; a half-filled one is refused in place', async (t) => {
  const { buyer } = await setup(t);
  const half = await form(buyer, { paymentArrangementReference: 'RA-12', paymentArrangementDate: '2026-02-01' });
  t.equal(half.statusCode, 400);
  t.match(half.body, /<p class="fr-message fr-message--error">Choisissez la convention de mandat ou la régie d’avances<\/p>/);
  t.match(half.body, /value="RA-12"/, 'the reference typed is kept');
  const done = await form(buyer, { paymentArrangementKind: 'advance_account', paymentArrangementReference: 'RA-12', paymentArrangementDate: '2026-02-01' });
  t.equal(done.statusCode, 303, done.body);
  const shown = await buyer.inject({ method: 'GET', url: done.headers.location as string });
  t.match(shown.body, /Régie d’avances n° RA-12 du 1er février 2026/);
});

t.test('the arrangement is a public buyer’s: a company giving one is refused, a malformed one is named', async (t) => {
  const ctx = await setup(t);
  const company = createOrganisation(ctx.db, { kind: 'buyer', name: 'Entreprise', buyerType: 'private', communeCode: '31555' });
  const privateBuyer = await loginAs(ctx.app, await createUser(ctx.db, company, { role: 'admin' }));
  const refused = await post(privateBuyer, '/api/v1/orders', { ...order, paymentArrangement: arrangement });
  t.equal(refused.statusCode, 422);
  t.match(refused.json(), { code: 'payment_arrangement_not_public', errors: [{ path: 'paymentArrangement' }] });
  const malformed = await post(ctx.buyer, '/api/v1/orders', { ...order, paymentArrangement: { kind: 'cheque', reference: '', date: '1 mars' } });
  t.equal(malformed.statusCode, 400);
  t.same(malformed.json().errors.map((e: { path: string }) => e.path).sort(), ['paymentArrangement.date', 'paymentArrangement.kind', 'paymentArrangement.reference']);
  t.equal((await post(ctx.buyer, '/api/v1/orders', order)).statusCode, 201, 'it stays optional (see the order schema)');
});

t.test('the mandate form sent without a number says so on the order page, and records nothing', async (t) => {
  const { buyer, db } = await setup(t);
  const created = (await post(buyer, '/api/v1/orders', order)).json();
  const page = await buyer.inject({ method: 'POST', url: `/commandes/${created.id}/mandat`, headers: { accept: 'text/html' }, payload: { mandateNumber: '', _csrf: buyer.csrfToken } });
  t.equal(page.statusCode, 400);
  t.match(page.body, 'Indiquez le numéro de mandat.');
  t.match(page.body, `Commande ${created.reference}`, 'on the order’s own page');
  t.equal(db.select().from(orders).where(eq(orders.id, created.id)).get()!.mandateNumber, null);
});
