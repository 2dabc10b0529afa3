import t from 'tap';
import { bankEntries, bankStatements, type BankEntryStatus } from '../../db/schema/bank-statements.ts';
import { payments } from '../../db/schema/orders.ts';
import { newId } from '../../server/shared/secrets.ts';
import { amountSearchText } from '../../server/modules/finance/bank-entries.list.ts';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { november } from '../helpers/bank-world.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, csvHeader, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

const html = { accept: 'text/html' };
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const STATEMENTS = 55;
const monthOf = (i: number) => `${2022 + Math.floor(i / 12)}-${pad((i % 12) + 1)}`;
const IBAN = 'FR7630006000011234567890189';
/** A CFONB account (bank, branch, account number) that starts with a zero, as many do. */
const CFONB_ACCOUNT = '0300200001012345678901';

function insertStatement(db: Awaited<ReturnType<typeof buildTestApp>>['db'], row: Partial<typeof bankStatements.$inferInsert> & { fromDate: string; toDate: string }) {
  const id = newId();
  db.insert(bankStatements)
    .values({ id, format: 'camt.053.001.08', contentSha256: newId(), account: IBAN, statementRef: `RELEVE-${row.fromDate}`, openingCents: 0, closingCents: 0, entryCount: 0, newEntryCount: 0, importedAt: `${row.toDate}T20:00:00.000Z`, importedByUserId: null, ...row })
    .run();
  return id;
}

function insertEntry(db: Awaited<ReturnType<typeof buildTestApp>>['db'], statementId: string, row: Partial<typeof bankEntries.$inferInsert> & { entryRef: string; status: BankEntryStatus }) {
  db.insert(bankEntries)
    .values({ id: newId(), statementId, bookingDate: '2026-11-02', direction: 'credit', amountCents: 1_000, createdAt: '2026-11-20T09:00:00.000Z', ...row })
    .run();
}

t.test('bank statements: numbered pages, search by account or identifier, month and queue filters, sorts, whole CSV with codes as text', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const ids: string[] = [];
  for (let i = 0; i < STATEMENTS; i++) {
    const month = monthOf(i);
    ids.push(
      insertStatement(db, {
        fromDate: `${month}-01`,
        toDate: `${month}-28`,
        account: i === 3 ? CFONB_ACCOUNT : IBAN,
        format: i === 3 ? 'cfonb120' : 'camt.053.001.08',
        statementRef: i === 3 ? '0004567' : `RELEVE-${month}`,
        entryCount: i,
        newEntryCount: i,
        openingCents: i * 1_000,
        closingCents: i * 1_000 + 500,
      }),
    );
  }
  // A statement across two months, and two statements with movements still to process.
  insertStatement(db, { fromDate: '2026-09-15', toDate: '2026-10-14', statementRef: 'RELEVE-A-CHEVAL', entryCount: 2, newEntryCount: 2 });
  insertEntry(db, ids[10]!, { entryRef: 'Q1', status: 'unmatched' });
  insertEntry(db, ids[20]!, { entryRef: 'Q2', status: 'unmatched' });
  insertEntry(db, ids[20]!, { entryRef: 'Q3', status: 'dismissed', dismissedReason: 'Frais' });

  const finance = await loginAs(app, world.operatorFinance);
  const url = '/finances/releves-bancaires';
  const page1 = await finance.inject({ method: 'GET', url, headers: html });
  t.equal(page1.statusCode, 200);
  t.match(page1.body, 'Relevés importés : 56 résultats');
  t.equal(tableRows(page1.body).length, 50, '50 a page');
  t.match(tableRows(page1.body)[0], /^Du 15 septembre 2026 au 14 octobre 2026 /, 'the latest end date first');
  t.match(page1.body, 'Fichier du relevé', 'the upload form stays');
  const page2 = await finance.inject({ method: 'GET', url: `${url}?page=2`, headers: html });
  t.equal(currentPage(page2.body), 2);
  t.equal(tableRows(page2.body).length, 6);
  t.match(tableRows(page2.body)[5], /^Du 1er janvier 2022 au 28 janvier 2022 /);

  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?q=${CFONB_ACCOUNT}`, headers: html })).body), [/^Du 1er avril 2022 .* 0300200001012345678901 Relevé 0004567 /], 'by account');
  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?q=releve-2024-05`, headers: html })).body), [/^Du 1er mai 2024 /], 'by identifier');
  t.match((await finance.inject({ method: 'GET', url: `${url}?q=RELEVE-2099`, headers: html })).body, 'Aucun relevé ne correspond à cette recherche.');

  const october = await finance.inject({ method: 'GET', url: `${url}?mois=2026-10`, headers: html });
  t.match(tableRows(october.body), [/^Du 15 septembre 2026 au 14 octobre 2026 /], 'a statement is found by every month it covers');
  const september = tableRows((await finance.inject({ method: 'GET', url: `${url}?mois=2026-07`, headers: html })).body);
  t.equal(september.length, 1);
  t.match(september[0], /^Du 1er juillet 2026 /);
  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?mois=2026-09`, headers: html })).body), [/^Du 15 septembre 2026 /]);
  const waiting = await finance.inject({ method: 'GET', url: `${url}?attente=a_traiter`, headers: html });
  t.match(waiting.body, 'Relevés importés : 2 résultats');
  t.match(tableRows(waiting.body), [/^Du 1er septembre 2023 .* 20 0 1 1$/, /^Du 1er novembre 2022 .* 10 0 1 0$/], 'each with its movements matched, to process and set aside');
  t.match((await finance.inject({ method: 'GET', url: `${url}?attente=traites`, headers: html })).body, 'Relevés importés : 54 résultats');

  const byEntries = await finance.inject({ method: 'GET', url: `${url}?tri=mouvements&ordre=desc`, headers: html });
  t.match(tableRows(byEntries.body)[0], /^Du 1er juillet 2026 .* 54 /, 'the most movements first');
  t.match(byEntries.body, /aria-sort="descending"[^>]*><a href="\/finances\/releves-bancaires\?tri=mouvements&amp;ordre=asc"/);
  const byClosing = await finance.inject({ method: 'GET', url: `${url}?tri=cloture&ordre=asc`, headers: html });
  t.match(tableRows(byClosing.body)[0], /^Du 15 septembre 2026 .* 0,00\s€ 0,00\s€ /, 'the smallest closing balance first');
  t.match(tableRows(byClosing.body)[1], /^Du 1er janvier 2022 .* 0,00\s€ 5,00\s€ /);
  t.match(tableRows((await finance.inject({ method: 'GET', url: `${url}?tri=ouverture&ordre=desc`, headers: html })).body)[0], /^Du 1er juillet 2026 .* 540,00/);

  const csvHref = exportHref(waiting.body)!;
  t.equal(csvHref, '/finances/releves-bancaires?attente=a_traiter&format=csv', 'the export keeps the filter');
  const filtered = await finance.inject({ method: 'GET', url: csvHref });
  t.equal(filtered.headers['content-type'], 'text/csv; charset=utf-8');
  t.equal(csvHeader(filtered.body).replace(/^\uFEFF/, ''), 'Du;Au;Compte;Identifiant du relevé;Format;Solde d’ouverture (€);Solde de clôture (€);Mouvements;Nouveaux;Rapprochés;À traiter;Écartés;Importé le');
  t.equal(csvDataLines(filtered.body).length, 2, 'the CSV follows the filter');
  const all = csvDataLines((await finance.inject({ method: 'GET', url: exportHref(page1.body)! })).body);
  t.equal(all.length, 56, 'every statement, not one page');
  t.equal(all.find((l) => l.startsWith('2022-04-01;')), '2022-04-01;2022-04-28;"=""0300200001012345678901""";"=""0004567""";CFONB 120;30,00;35,00;3;3;0;0;0;2022-04-28 22:00', 'account and identifier keep their leading zeros');

  for (const user of [world.buyerAdmin, world.placeAdmin]) {
    const other = await loginAs(app, user);
    t.equal((await other.inject({ method: 'GET', url, headers: html })).statusCode, 403, 'finance only');
    t.equal((await other.inject({ method: 'GET', url: `${url}?format=csv` })).statusCode, 403, 'nor its export');
  }
});

t.test('typed amounts are searched as the list shows them', async (t) => {
  t.equal(amountSearchText('12.50'), '12,50');
  t.equal(amountSearchText('-12,50 €'), '12,50');
  t.equal(amountSearchText('VIR RB-2026-000001'), 'VIR RB-2026-000001', 'a reference keeps its dashes');
});

t.test('a statement’s movements: pages, search by label, reference, counterparty, amount or document, outcome and direction filters, sorts, whole CSV', async (t) => {
  const ctx = await november(t);
  const { db } = ctx;
  const paymentId = newId();
  db.insert(payments).values({ id: paymentId, invoiceId: ctx.buyerInvoice.id, amountCents: 1_000, receivedOn: '2026-11-05', reference: 'P', recordedByUserId: null, journalEntryId: null, createdAt: '2026-11-20T09:00:00.000Z' }).run();
  const statementId = insertStatement(db, { fromDate: '2026-11-01', toDate: '2026-11-28', entryCount: 60, newEntryCount: 60 });
  /** Four kinds of movement in turn: an invoice's payment, a payout's transfer, bank fees set aside, a credit to process. */
  const kindOf = (i: number) => (['invoice', 'payout', 'dismissed', 'unmatched'] as const)[i % 4]!;
  for (let i = 0; i < 60; i++) {
    const kind = kindOf(i);
    insertEntry(db, statementId, {
      entryRef: pad(i, 7),
      bookingDate: `2026-11-${pad(1 + (i % 28))}`,
      direction: kind === 'payout' || kind === 'dismissed' ? 'debit' : 'credit',
      amountCents: 1_000 + i * 10,
      remittance: i === 7 ? 'REGLEMENT MEDIATHEQUE' : `VIR ${i}`,
      counterparty: i === 9 ? 'TRESORERIE DE RODEZ' : null,
      endToEndId: kind === 'payout' ? ctx.epnPayout.reference : null,
      status: kind === 'invoice' || kind === 'payout' ? 'matched' : kind,
      matchedKind: kind === 'invoice' ? 'payment' : kind === 'payout' ? 'payout' : null,
      matchedId: kind === 'invoice' ? paymentId : kind === 'payout' ? ctx.epnPayout.id : null,
      dismissedReason: kind === 'dismissed' ? 'Frais bancaires' : null,
    });
  }
  const url = `/finances/releves-bancaires/${statementId}`;
  const get = (query: string) => ctx.finance.inject({ method: 'GET', url: `${url}${query}`, headers: html });
  const page1 = await get('');
  t.equal(page1.statusCode, 200);
  t.match(page1.body, 'Mouvements nouveaux de ce relevé et ce que chacun est devenu : 60 résultats');
  t.equal(tableRows(page1.body).length, 50, '50 a page');
  t.match(tableRows(page1.body)[0], new RegExp(`^1er novembre 2026 Crédit 10,00\\s€ VIR 0 Paiement de la facture ${ctx.buyerInvoice.number}`), 'oldest first, each with what it became');
  const page2 = await get('?page=2');
  t.equal(currentPage(page2.body), 2);
  t.equal(tableRows(page2.body).length, 10);

  t.match(tableRows((await get('?q=12%2C50')).body), [/ Débit -12,50\s€ VIR 25 /], 'an amount typed as 12,50');
  t.match(tableRows((await get('?q=-12.50')).body), [/ -12,50\s€ VIR 25 /], 'or as -12.50');
  t.match(tableRows((await get('?q=mediatheque')).body), [/REGLEMENT MEDIATHEQUE/], 'by label');
  t.match(tableRows((await get('?q=rodez')).body), [/TRESORERIE DE RODEZ/], 'by counterparty');
  t.equal(tableRows((await get(`?q=${ctx.epnPayout.reference}`)).body).length, 15, 'by the payout reference they carry');
  t.equal(tableRows((await get(`?q=${ctx.buyerInvoice.number}`)).body).length, 15, 'by the number of the invoice they paid');
  t.equal(tableRows((await get('?q=0000042')).body).length, 1, 'by the bank’s reference');
  t.match((await get('?q=introuvable')).body, 'Aucun mouvement de ce relevé ne correspond à cette recherche.');

  const dismissed = await get('?devenu=ecarte');
  t.match(dismissed.body, ': 15 résultats');
  t.ok(tableRows(dismissed.body).every((row) => row.endsWith('Écarté : Frais bancaires')));
  t.match(dismissed.body, /<label class="fr-label" for="list-devenu">Devenu du mouvement<\/label>/);
  t.ok(tableRows((await get('?devenu=a_traiter')).body).every((row) => row.endsWith('À traiter')));
  t.ok(tableRows((await get('?devenu=virement')).body).every((row) => row.includes(`Virement ${ctx.epnPayout.reference} — EPN exécuté`)));
  t.equal(tableRows((await get('?devenu=facture&par_page=100')).body).length, 15);
  t.equal(tableRows((await get('?sens=debit&par_page=100')).body).length, 30, 'debits only');

  t.match(tableRows((await get('?tri=montant&ordre=desc')).body)[0], / Crédit 15,90\s€ VIR 59 /, 'the largest credit first');
  t.match(tableRows((await get('?tri=montant&ordre=asc')).body)[0], / Débit -15,80\s€ VIR 58 /, 'the largest debit first, amounts signed');
  t.match(tableRows((await get('?tri=date&ordre=desc')).body)[0], /^28 novembre 2026 /);

  const csvHref = exportHref(dismissed.body)!;
  t.equal(csvHref, `${url}?devenu=ecarte&format=csv`, 'the export keeps the filter');
  t.equal(csvDataLines((await ctx.finance.inject({ method: 'GET', url: csvHref })).body).length, 15, 'the CSV follows the filter');
  const csv = (await ctx.finance.inject({ method: 'GET', url: exportHref(page1.body)! })).body;
  t.equal(csvHeader(csv).replace(/^\uFEFF/, ''), 'Date;Sens;Montant (€);Libellé de la banque;Émetteur ou bénéficiaire;Référence de bout en bout;Référence de la banque;Devenu;Numéro du document;Rapproché de');
  const lines = csvDataLines(csv);
  t.equal(lines.length, 60, 'every movement, not one page');
  t.equal(lines[0], `2026-11-01;Crédit;10,00;VIR 0;;;"=""0000000""";Rapproché d’une facture;${ctx.buyerInvoice.number};Paiement de la facture ${ctx.buyerInvoice.number} — Département de test`, 'the bank’s reference keeps its zeros, with the invoice number it became');
  t.ok(lines.includes(`2026-11-02;Débit;-10,10;VIR 1;;${ctx.epnPayout.reference};"=""0000001""";Rapproché d’un virement aux lieux;${ctx.epnPayout.reference};Virement ${ctx.epnPayout.reference} — EPN exécuté`), 'and the payout reference');
  t.ok(lines.some((l) => l.startsWith('2026-11-03;Débit;-10,20;VIR 2;;;"=""0000002""";Écarté;;Écarté : Frais bancaires')));

  for (const user of [ctx.world.buyerAdmin, ctx.world.placeAdmin]) {
    const other = await loginAs(ctx.app, user);
    t.equal((await other.inject({ method: 'GET', url, headers: html })).statusCode, 403, 'finance only');
    t.equal((await other.inject({ method: 'GET', url: `${url}?format=csv` })).statusCode, 403, 'nor its export');
  }
  t.equal((await ctx.finance.inject({ method: 'GET', url: `/finances/releves-bancaires/${newId()}?format=csv` })).statusCode, 404, 'an unknown statement has no export');
});
