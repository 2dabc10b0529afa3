import t from 'tap';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createOrganisation, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { payouts, reimbursementBatches, type PayoutStatus } from '../../db/schema/reimbursement.ts';
import { newId } from '../../server/shared/secrets.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

const html = { accept: 'text/html' };
const PLACES = 62;
const ref = (n: number) => `RB-2026-${String(n).padStart(6, '0')}`;
const name = (i: number) => `Lieu ${String(i).padStart(2, '0')}${i === 7 ? ' de Rodez' : ''}`;
/** Every fifth payout came back from the bank; the others were paid with the batch. */
const statusOf = (i: number): PayoutStatus => (i % 5 === 0 ? 'rejected' : 'paid');
/** A SIRET per place; the first place's starts with a zero, as those of many Ain bodies do. */
const siretOf = (i: number) => (i === 0 ? '01234567800019' : `4${String(i).padStart(8, '0')}00011`);

/** A paid batch of October 2026 paying 62 places: more than one page of payouts. */
async function batchWorld(t: Parameters<typeof buildTestApp>[0]) {
  const built = await buildTestApp(t);
  const { db } = built;
  seedReference(db);
  const world = await seedWorld(db);
  const batchId = newId();
  const amountOf = (i: number) => 1_000 + i * 100;
  const total = Array.from({ length: PLACES }, (_, i) => (statusOf(i) === 'rejected' ? 0 : amountOf(i))).reduce((a, b) => a + b, 0);
  db.insert(reimbursementBatches)
    .values({ id: batchId, period: '2026-10', status: 'paid', totalCents: total, payoutCount: PLACES, lineCount: total / 100, messageId: 'PN-2026-10', requestedExecutionDate: '2026-11-04', createdAt: '2026-11-01T10:00:00.000Z', paidOn: '2026-11-05' })
    .run();
  const ids: string[] = [];
  for (let i = 0; i < PLACES; i++) {
    const place = createOrganisation(db, { kind: 'place', name: name(i), siret: siretOf(i) });
    const id = newId();
    ids.push(id);
    const status = statusOf(i);
    db.insert(payouts)
      .values({
        id,
        batchId,
        placeId: place.id,
        reference: ref(i + 1),
        bankAccountId: newId(),
        holder: name(i),
        iban: 'FR7630006000011234567890189',
        bic: 'AGRIFRPP',
        amountCents: amountOf(i),
        lineCount: amountOf(i) / 100,
        status,
        rejectedAt: status === 'rejected' ? '2026-11-10T10:00:00.000Z' : null,
        rejectionReason: status === 'rejected' ? 'Compte clos' : null,
        paidOn: status === 'paid' ? '2026-11-05' : null,
        createdAt: '2026-11-01T10:00:00.000Z',
      })
      .run();
  }
  return { ...built, world, batchId, payoutIds: ids };
}

t.test('a batch’s payouts: numbered pages, search by place, RB- reference or SIRET, status filter, sorts, whole CSV', async (t) => {
  const { app, world, batchId } = await batchWorld(t);
  const finance = await loginAs(app, world.operatorFinance);
  const url = `/finances/remboursements/${batchId}`;
  const page1 = await finance.inject({ method: 'GET', url, headers: html });
  t.equal(page1.statusCode, 200);
  t.match(page1.body, 'Virements aux lieux : 62 résultats');
  t.equal(tableRows(page1.body).length, 50, '50 a page');
  t.equal(currentPage(page1.body), 1);
  t.match(tableRows(page1.body)[0], /^Lieu 00 SIRET 01234567800019 RB-2026-000001 \(PDF\) 10 10,00\s€ Rejeté : Compte clos/, 'by place name first');
  const page2 = await finance.inject({ method: 'GET', url: `${url}?page=2`, headers: html });
  t.equal(currentPage(page2.body), 2);
  t.equal(tableRows(page2.body).length, 12);
  t.match(tableRows(page2.body)[11], /^Lieu 61 /);
  t.match(page1.body, /Montant total/, 'the rest of the page is still there');

  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?q=rodez`, headers: html })).body), [/^Lieu 07 de Rodez /], 'by place name');
  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?q=${ref(33)}`, headers: html })).body), [/^Lieu 32 /], 'by RB- reference');
  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?q=40000004500011`, headers: html })).body), [/^Lieu 45 /], 'by SIRET');
  const none = await finance.inject({ method: 'GET', url: `${url}?q=RB-2099-000001`, headers: html });
  t.match(none.body, 'Aucun virement de ce lot ne correspond à cette recherche.');
  t.match(none.body, 'Montant total', 'the batch itself still shows');

  const rejectedCount = Array.from({ length: PLACES }, (_, i) => statusOf(i)).filter((s) => s === 'rejected').length;
  const rejected = await finance.inject({ method: 'GET', url: `${url}?statut=rejected`, headers: html });
  t.match(rejected.body, `Virements aux lieux : ${rejectedCount} résultats`);
  t.ok(tableRows(rejected.body).every((row) => / Rejeté : Compte clos/.test(row)));
  t.match(rejected.body, /<option value="rejected" selected>Rejeté<\/option>/);
  t.match(rejected.body, /<label class="fr-label" for="list-statut">Statut du virement au lieu<\/label>/);

  const byAmount = await finance.inject({ method: 'GET', url: `${url}?tri=montant&ordre=desc`, headers: html });
  t.match(tableRows(byAmount.body)[0], /^Lieu 61 .* 71,00/, 'the largest payout first');
  t.match(byAmount.body, /aria-sort="descending"[^>]*><a href="\/finances\/remboursements\/[^"?]+\?tri=montant&amp;ordre=asc"/, 'its heading reverses the order');
  const byPasses = await finance.inject({ method: 'GET', url: `${url}?tri=pass&ordre=asc&statut=paid`, headers: html });
  t.match(tableRows(byPasses.body)[0], /^Lieu 01 .* 11 11,00/, 'the fewest passes first, among the paid ones');
  const byName = await finance.inject({ method: 'GET', url: `${url}?tri=lieu&ordre=desc`, headers: html });
  t.match(tableRows(byName.body)[0], /^Lieu 61 /);

  const csvHref = exportHref(rejected.body)!;
  t.match(csvHref, /^\/finances\/remboursements\/[^?]+\?statut=rejected&format=csv$/, 'the export keeps the filter');
  const filtered = await finance.inject({ method: 'GET', url: csvHref });
  t.equal(filtered.headers['content-type'], 'text/csv; charset=utf-8');
  t.equal(csvHeader(filtered.body).replace(/^\uFEFF/, ''), 'Lieu;SIRET;Relevé;Pass;Montant (€);Statut;Motif du rejet');
  t.equal(csvDataLines(filtered.body).length, rejectedCount, 'the CSV follows the filter');
  const all = csvDataLines((await finance.inject({ method: 'GET', url: exportHref(page1.body)! })).body);
  t.equal(all.length, PLACES, 'every payout, not one page');
  t.equal(all[0], 'Lieu 00;"=""01234567800019""";RB-2026-000001;10;10,00;Rejeté;Compte clos', 'the SIRET keeps its leading zero as text');
  t.equal(all[61], 'Lieu 61;40000006100011;RB-2026-000062;71;71,00;Payé;');
});

t.test('the batch page’s forms keep working with the list: a rejection is refused in place, then recorded', async (t) => {
  const { app, db, world, batchId, payoutIds } = await batchWorld(t);
  const finance = await loginAs(app, world.operatorFinance);
  const page = await finance.inject({ method: 'GET', url: `/finances/remboursements/${batchId}?statut=paid`, headers: html });
  t.equal((page.body.match(/>Enregistrer le rejet</g) ?? []).length, 49, 'one rejection form per paid payout of the page (49 paid of 62)');
  const payoutId = payoutIds[1]!;
  const empty = await finance.inject({ method: 'POST', url: `/finances/remboursements/${batchId}/rejeter`, headers: html, payload: { payoutId, reason: ' ' } });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, 'Indiquez le motif du rejet donné par la banque.');
  t.match(empty.body, 'Virements aux lieux : 62 résultats', 'the refused form shows the whole list again');
  t.equal(db.select().from(payouts).where(eq(payouts.id, payoutId)).get()!.status, 'paid', 'nothing changed');
  const done = await finance.inject({ method: 'POST', url: `/finances/remboursements/${batchId}/rejeter`, headers: html, payload: { payoutId, reason: 'Compte clos' } });
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, `/finances/remboursements/${batchId}?message=rejete`);
  t.equal(db.select().from(payouts).where(eq(payouts.id, payoutId)).get()!.status, 'rejected');
  const after = await finance.inject({ method: 'GET', url: done.headers.location as string, headers: html });
  t.match(after.body, 'Rejet enregistré');
});

t.test('only finance reads a batch’s payouts, on the page or as CSV', async (t) => {
  const { app, world, batchId } = await batchWorld(t);
  for (const user of [world.buyerAdmin, world.placeAdmin, world.prescriberAdmin]) {
    const session = await loginAs(app, user);
    t.equal((await session.inject({ method: 'GET', url: `/finances/remboursements/${batchId}`, headers: html })).statusCode, 403);
    t.equal((await session.inject({ method: 'GET', url: `/finances/remboursements/${batchId}?format=csv` })).statusCode, 403);
  }
  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'GET', url: `/finances/remboursements/${newId()}?format=csv` })).statusCode, 404, 'an unknown batch has no export');
});
