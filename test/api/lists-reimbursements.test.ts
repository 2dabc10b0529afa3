import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createOrganisation, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { payouts, reimbursementBatches, type BatchStatus, type PayoutStatus } from '../../db/schema/reimbursement.ts';
import { newId } from '../../server/shared/secrets.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, tableRows, firstTwoPages } from '../helpers/lists.ts';

const MONTHS = 55;
const monthOf = (i: number) => `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
const batchStatusOf = (i: number): BatchStatus => (['paid', 'approved', 'draft'] as const)[i % 3]!;
/** The first place's payout: paid with its batch, except every sixth month, rejected by the bank. */
const ownPayoutStatusOf = (i: number): PayoutStatus => {
  const batch = batchStatusOf(i);
  if (batch === 'paid') return i % 6 === 0 ? 'rejected' : 'paid';
  return batch === 'approved' ? 'approved' : 'pending';
};
const ref = (n: number) => `RB-2026-${String(n).padStart(6, '0')}`;

/**
 * 55 monthly batches (January 2022 to July 2026), each paying two places, plus a batch being built
 * for August 2026: more than one page of batches for finance, and of statements for each place.
 */
async function batchesWorld(t: Parameters<typeof buildTestApp>[0]) {
  const built = await buildTestApp(t);
  const { db } = built;
  seedReference(db);
  const world = await seedWorld(db);
  const otherPlace = createOrganisation(db, { kind: 'place', name: 'Fablab des Cévennes', communeCode: '30189' });
  const otherPlaceAdmin = await createUser(db, otherPlace, { role: 'admin' });
  const payout = (batchId: string, placeId: string, reference: string, amountCents: number, status: PayoutStatus, paidOn: string | null) =>
    db
      .insert(payouts)
      .values({ id: newId(), batchId, placeId, reference, bankAccountId: newId(), holder: 'Titulaire', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', amountCents, lineCount: amountCents / 100, status, paidOn, createdAt: '2026-11-01T10:00:00.000Z' })
      .run();
  for (let i = 0; i <= MONTHS; i++) {
    const building = i === MONTHS;
    const status: BatchStatus = building ? 'building' : batchStatusOf(i);
    const period = monthOf(i);
    const id = newId();
    const paidOn = status === 'paid' ? `${monthOf(i + 1)}-05` : null;
    const own = 1000 + i * 100;
    const other = 500;
    db.insert(reimbursementBatches)
      .values({
        id,
        period,
        status,
        totalCents: own + other,
        payoutCount: 2,
        lineCount: (own + other) / 100,
        messageId: status === 'draft' || building ? null : `PN-${period}`,
        requestedExecutionDate: status === 'draft' || building ? null : `${monthOf(i + 1)}-04`,
        createdAt: '2026-11-01T10:00:00.000Z',
        paidOn,
      })
      .run();
    payout(id, world.place.id, ref(2 * i + 1), own, building ? 'pending' : ownPayoutStatusOf(i), ownPayoutStatusOf(i) === 'paid' ? paidOn : null);
    payout(id, otherPlace.id, ref(2 * i + 2), other, building ? 'pending' : status === 'paid' ? 'paid' : status === 'approved' ? 'approved' : 'pending', paidOn);
  }
  return { ...built, world, otherPlace, otherPlaceAdmin };
}

/** The rows of the batches table (the page also holds the monthly activity table, before it). */
const batchRows = (html: string) => tableRows(html.slice(html.indexOf('<caption>Lots de remboursement')));

t.test('batches: numbered pages, search by RB- number, status and month filters, sort, whole CSV', async (t) => {
  const { app, world } = await batchesWorld(t);
  const finance = await loginAs(app, world.operatorFinance);
  const { first: page1, second: page2 } = await firstTwoPages(t, finance, '/finances/remboursements', { total: 'Lots de remboursement : 56 résultats', secondPageRows: 6, rows: batchRows });
  t.equal(currentPage(page1.body), 1);
  t.match(batchRows(page1.body)[0], /^août 2026 En préparation/, 'newest month first, the batch being built included');
  t.match(batchRows(page2.body)[5], /^janvier 2022 /, 'the oldest batch ends the last page');

  // The other place's payout of March 2025 (i = 38) finds its batch.
  const searched = await finance.inject({ method: 'GET', url: `/finances/remboursements?q=${ref(2 * 38 + 2)}` });
  t.match(searched.body, 'Lots de remboursement : 1 résultat<');
  t.match(batchRows(searched.body)[0], /^mars 2025 /);
  t.match((await finance.inject({ method: 'GET', url: '/finances/remboursements?q=Fablab+C%C3%A9vennes' })).body, '56 résultats', 'by place name: every batch pays it');
  t.match((await finance.inject({ method: 'GET', url: '/finances/remboursements?q=RB-2099-000001' })).body, 'Aucun lot ne correspond à cette recherche.');

  const paid = await finance.inject({ method: 'GET', url: '/finances/remboursements?statut=paid' });
  const paidCount = Array.from({ length: MONTHS }, (_, i) => batchStatusOf(i)).filter((s) => s === 'paid').length;
  t.match(paid.body, `${paidCount} résultats`);
  t.ok(batchRows(paid.body).every((row) => / Payé /.test(row)));
  t.match(paid.body, /<option value="paid" selected>Payé<\/option>/);
  const month = await finance.inject({ method: 'GET', url: '/finances/remboursements?mois=2024-02' });
  t.equal(batchRows(month.body).length, 1);
  t.match(batchRows(month.body)[0], /^février 2024 /);

  const byAmount = await finance.inject({ method: 'GET', url: '/finances/remboursements?tri=montant&ordre=asc' });
  t.match(batchRows(byAmount.body)[0], /^janvier 2022 .* 15,00/, 'the smallest batch first');
  t.match(byAmount.body, /aria-sort="ascending"[^>]*><a href="\/finances\/remboursements\?tri=montant&amp;ordre=desc"/, 'its heading reverses the order');

  const csvHref = exportHref(paid.body)!;
  t.equal(csvHref, '/finances/remboursements?statut=paid&format=csv', 'the export keeps the filter');
  const csv = (await finance.inject({ method: 'GET', url: csvHref })).body;
  t.equal(csvHeader(csv).replace(/^\uFEFF/, ''), 'Mois remboursé;Statut;Virements;Pass;Montant (€);Identifiant SEPA;Exécution demandée le;Payé le');
  t.equal(csvDataLines(csv).length, paidCount, 'every paid batch, not one page');
  const all = csvDataLines((await finance.inject({ method: 'GET', url: exportHref(page1.body)! })).body);
  t.equal(all.length, 56, 'the whole list');
  t.ok(all.includes('2022-01;Payé;2;15;15,00;PN-2022-01;2022-02-04;2022-02-05'), 'months and dates keep their leading zeros, one date format');

  const place = await loginAs(app, world.placeAdmin);
  t.equal((await place.inject({ method: 'GET', url: '/finances/remboursements' })).statusCode, 403, 'finance only');
});

t.test('statements: a place sees its own only, with numbered pages, search, filters, sort and the whole CSV', async (t) => {
  const { app, world, otherPlaceAdmin } = await batchesWorld(t);
  const place = await loginAs(app, world.placeAdmin);
  const page1 = await place.inject({ method: 'GET', url: '/releves' });
  t.equal(page1.statusCode, 200);
  t.match(page1.body, 'Vos relevés : 55 résultats', 'the payout of the batch being built is not shown yet');
  t.equal(tableRows(page1.body).length, 50);
  t.match(tableRows(page1.body)[0], /^juillet 2026 RB-2026-000109 /);
  const page2 = await place.inject({ method: 'GET', url: '/releves?page=2' });
  t.equal(currentPage(page2.body), 2);
  t.equal(tableRows(page2.body).length, 5);
  for (let i = 0; i < MONTHS; i++) t.notMatch(page1.body + page2.body, `>${ref(2 * i + 2)}<`, 'never another place’s statement');
  t.equal(tableRows((await place.inject({ method: 'GET', url: `/releves?q=${ref(2 * 10 + 2)}` })).body).length, 0, 'not even through the search');

  t.equal(tableRows((await place.inject({ method: 'GET', url: `/releves?q=${ref(2 * 10 + 1)}` })).body).length, 1, 'its own by RB- number');
  const rejectedCount = Array.from({ length: MONTHS }, (_, i) => ownPayoutStatusOf(i)).filter((s) => s === 'rejected').length;
  const rejected = await place.inject({ method: 'GET', url: '/releves?virement=rejected' });
  t.equal(tableRows(rejected.body).length, rejectedCount);
  t.ok(tableRows(rejected.body).every((row) => /rejeté : repris au prochain lot/.test(row)));
  const upcoming = await place.inject({ method: 'GET', url: '/releves?virement=upcoming' });
  t.ok(tableRows(upcoming.body).every((row) => /prévu le|en préparation/.test(row)));
  t.match(tableRows((await place.inject({ method: 'GET', url: '/releves?mois=2025-07' })).body), [/^juillet 2025 RB-2026-000085 /]);
  const byAmount = await place.inject({ method: 'GET', url: '/releves?tri=montant&ordre=asc&par_page=20' });
  t.match(tableRows(byAmount.body)[0], /^janvier 2022 RB-2026-000001 10 10,00/, 'the smallest first');
  t.equal(tableRows(byAmount.body).length, 20);

  const csv = (await place.inject({ method: 'GET', url: exportHref(page1.body)! })).body;
  t.equal(csvHeader(csv).replace(/^\uFEFF/, ''), 'Mois remboursé;Référence;Pass;Montant (€);Virement;Date du virement');
  const lines = csvDataLines(csv);
  t.equal(lines.length, 55, 'every statement, not one page');
  t.notOk(lines.some((line) => line.includes(ref(2))), 'none of the other place’s');
  t.ok(lines.includes('2022-02;RB-2026-000003;11;11,00;Prévu;2022-03-04'), 'a scheduled transfer with its requested date');
  t.ok(lines.includes('2022-04;RB-2026-000007;13;13,00;Payé;2022-05-05'), 'paid on the bank’s date, leading zeros kept');
  t.equal(csvDataLines((await place.inject({ method: 'GET', url: '/releves?virement=rejected&format=csv' })).body).length, rejectedCount, 'the CSV follows the filter');

  const other = await loginAs(app, otherPlaceAdmin);
  const otherPage = await other.inject({ method: 'GET', url: '/releves?par_page=100' });
  t.match(otherPage.body, '55 résultats');
  t.notMatch(otherPage.body, `>${ref(1)}<`, 'the first place’s statements stay its own');
  t.equal((await (await loginAs(app, world.operatorFinance)).inject({ method: 'GET', url: '/releves' })).statusCode, 403, 'places only');
});
