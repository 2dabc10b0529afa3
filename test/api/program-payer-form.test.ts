import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { seedReference, seedWorld } from '../helpers/fixtures.ts';
import { postOrder, untargetedOrder } from '../helpers/orders.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';

const fields = {
  name: 'Programme régional',
  ratePercent: '50',
  eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'],
  envelopeEuros: '1 000 000',
  minOrderEuros: '',
  perBuyerCapEuros: '',
  startsOn: '2026-01-01',
  endsOn: '2027-12-31',
};
const payer = {
  payerName: 'Préfecture de la Haute-Garonne',
  payerSiret: '173 100 018 00014',
  payerLine: '1 place Saint-Étienne',
  payerPostalCode: '31038',
  payerCity: 'Toulouse',
  payerServiceCode: 'sgar-num',
  payerEngagementNumber: '',
};

const postForm = (s: Session, url: string, payload: Record<string, string | string[]>) => {
  const params = new URLSearchParams({ _csrf: s.csrfToken });
  for (const [key, value] of Object.entries(payload)) for (const v of [value].flat()) params.append(key, v);
  return s.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: params.toString(), csrf: false });
};

t.test('the programme form takes the payer, with French messages in place', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  const blank = await s.inject({ method: 'GET', url: '/programmes' });
  for (const input of ['payerName', 'payerSiret', 'payerLine', 'payerPostalCode', 'payerCity', 'payerServiceCode', 'payerEngagementNumber']) {
    t.match(blank.body, `name="${input}"`, `the creation form has ${input}`);
  }
  const badSiret = await postForm(s, '/programmes', { ...fields, ...payer, payerSiret: '17310001800015' });
  t.equal(badSiret.statusCode, 400);
  t.match(badSiret.body, /id="payerSiret-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">SIRET invalide : la clé de contrôle ne correspond pas<\/p>/);
  t.match(badSiret.body, 'value="Préfecture de la Haute-Garonne"', 'typed values are kept');
  const half = await postForm(s, '/programmes', { ...fields, payerName: 'Préfecture' });
  t.equal(half.statusCode, 400, 'a payer begun must be whole');
  t.match(half.body, /id="payerSiret-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">/);
  t.match(half.body, /id="payerPostalCode-messages" aria-live="polite">\s*<p class="fr-message fr-message--error">Code postal attendu \(5 chiffres\)/);
  t.equal(db.select().from(cofinancingPrograms).all().length, 0, 'nothing written');
  t.equal((await postForm(s, '/programmes', { ...fields, ...payer })).statusCode, 303);
  const row = db.select().from(cofinancingPrograms).get()!;
  t.same(row.payer, {
    name: 'Préfecture de la Haute-Garonne',
    siret: '17310001800014',
    address: { line: '1 place Saint-Étienne', postalCode: '31038', city: 'Toulouse' },
    serviceCode: 'SGAR-NUM',
    engagementNumber: null,
  });
  const edit = await s.inject({ method: 'GET', url: `/programmes/${row.id}/modifier` });
  t.match(edit.body, /id="payerSiret" name="payerSiret" value="17310001800014"/, 'the edit form shows the payer');
  t.match(edit.body, /id="payerEngagementNumber" name="payerEngagementNumber" value=""/);
});

t.test('an order under a programme whose payer is incomplete cannot be approved from its page until the payer is completed', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const s = await loginAs(app, world.operatorAdmin);
  t.equal((await postForm(s, '/programmes', { ...fields, ...payer })).statusCode, 303);
  const program = db.select().from(cofinancingPrograms).get()!;
  const buyer = await loginAs(app, world.buyerAdmin);
  const order = (await postOrder(buyer, { ...untargetedOrder, bookletCount: 10, cofinancingProgramId: program.id })).json();
  t.ok(order.stateShareCents > 0);
  const approve = () => postForm(s, `/commandes/${order.id}/approuver`, { confirmation: 'oui' });
  const refused = await approve();
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /Le payeur du programme « Programme régional » est incomplet \(à renseigner : numéro d’engagement juridique\)/);
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents, 0, 'nothing committed');
  const completed = await postForm(s, `/programmes/${program.id}/modifier`, { ...fields, ...payer, payerEngagementNumber: '2100012345' });
  t.equal(completed.statusCode, 303);
  const approved = await approve();
  t.equal(approved.statusCode, 303, approved.body);
  t.equal(db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!.committedCents, order.stateShareCents);
});
