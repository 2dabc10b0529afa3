import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/client.ts';
import { asc, eq, sql } from 'drizzle-orm';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { mappedCharacters } from '../helpers/pdf.ts';
import { DEMO_PASSWORD, seedDemoData } from '../../db/seed/demo.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { organisations } from '../../db/schema/accounts.ts';
import { creditNotes } from '../../db/schema/credit-notes.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { payouts } from '../../db/schema/reimbursement.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';

/** Numbers of one series (FAC-2026-…) are 1, 2, 3… with no gap, and their dates never go back. */
function seriesProblems(rows: { number: string; issuedOn: string }[]): string[] {
  const problems: string[] = [];
  const series = new Map<string, { n: number; issuedOn: string; number: string }[]>();
  for (const row of rows) {
    const [, prefix, n] = /^(.*)-(\d{6})$/.exec(row.number)!;
    series.set(prefix!, [...(series.get(prefix!) ?? []), { n: Number(n), issuedOn: row.issuedOn, number: row.number }]);
  }
  for (const [prefix, items] of series) {
    items.sort((a, b) => a.n - b.n);
    items.forEach((item, i) => {
      if (item.n !== i + 1) problems.push(`${prefix}: ${item.number} where n° ${i + 1} was expected`);
      if (i > 0 && item.issuedOn < items[i - 1]!.issuedOn) problems.push(`${prefix}: ${item.number} (${item.issuedOn}) issued before ${items[i - 1]!.number} (${items[i - 1]!.issuedOn})`);
    });
  }
  return problems;
}

const text = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString();

async function demo(t: Test) {
  // The demo loader runs on the plain connection, as `npm start` does (not under the tests' transaction guard).
  const databasePath = join(mkdtempSync(join(tmpdir(), 'pn-demo-')), 'demo.db');
  const ctx = await buildTestApp(t, { databasePath });
  const loader = openDatabase(databasePath);
  await seedDemoData(loader, ctx.clock, passCodeFactoryFor(ctx.config));
  loader.$client.close();
  const as = (email: string) => loginAs(ctx.app, { email, password: DEMO_PASSWORD });
  return { ...ctx, as };
}

t.test('the demo data’s invoice and credit note numbers follow their dates, with no gap, in every series', async (t) => {
  const { db } = await demo(t);
  const issued = db.select({ number: invoices.number, issuedOn: invoices.issuedOn }).from(invoices).orderBy(asc(invoices.createdAt)).all();
  t.ok(issued.length >= 4, `${issued.length} invoices`);
  t.same(seriesProblems(issued), [], 'invoices');
  const notes = db.select({ number: creditNotes.number, issuedOn: creditNotes.issuedOn, party: creditNotes.party }).from(creditNotes).all();
  t.same(notes.map((n) => n.party).sort(), ['buyer', 'state'], 'the expired demo order has its two credit notes');
  t.same(seriesProblems(notes), [], 'credit notes');
  t.same(seriesProblems([{ number: 'FAC-2026-000002', issuedOn: '2026-01-10' }, { number: 'FAC-2026-000001', issuedOn: '2026-09-05' }]).length, 1, 'the check sees numbers against dates');
  t.ok(db.select().from(orders).all().every((o) => o.faceValueCents >= 1000), 'every demo pass is worth at least 10 €');
  t.ok(db.select().from(orders).all().every((o) => o.paymentArrangement !== null), 'the demo département’s orders carry their payment arrangement');
});

t.test('every kind of PDF is written in French typography: “1er”, narrow no-break thousands separators, “Émis le” on an avoir', async (t) => {
  const ctx = await demo(t);
  const operator = await ctx.as('admin@operateur.demo');
  const get = async (s: Session, url: string, grouped = true) => {
    const res = await s.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, `${url}: ${res.statusCode}`);
    t.equal(res.headers['content-type'], 'application/pdf');
    const drawn = mappedCharacters(res.rawPayload);
    if (grouped) t.ok(drawn.has(0x202f), `${url}: thousands are separated by a narrow no-break space (U+202F)`);
    t.notOk(drawn.has(0x2c) && /\d,\d{3}\b(?!,)/.test(text(res.rawPayload)), `${url}: no English grouping`);
    return text(res.rawPayload);
  };
  // pdftotext prints U+202F as a space: the grouping is read from the text, the character from the font maps.
  const amount = /\d{1,3}( \d{3})+,\d{2} €/;
  const noBadGrouping = (what: string, s: string) => {
    t.notMatch(s, /\d[,.]\d{3},\d{2}/, `${what}: no thousands grouped with a comma or a dot`);
    t.notMatch(s, /\d{4,},\d{2} €/, `${what}: no amount of a thousand euros or more left ungrouped`);
    t.notMatch(s, /\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b/, `${what}: the first of the month is “1er”`);
  };

  const current = ctx.db.select().from(orders).orderBy(asc(orders.createdAt)).all().at(-1)!;
  const all = ctx.db.select().from(invoices).all();
  const buyerInvoice = all.find((i) => i.orderId === current.id && i.party === 'buyer')!;
  const call = all.find((i) => i.orderId === current.id && i.party === 'state')!;
  const invoice = await get(operator, `/api/v1/invoices/${buyerInvoice.id}.pdf`);
  t.match(invoice, /Facture n° FAC-/);
  t.match(invoice, /Émise le /, 'a facture is “émise”');
  t.match(invoice, amount, 'invoice amounts carry a narrow no-break thousands separator');
  t.match(invoice.replace(/\s+/g, ' '), /Modalité de paiement : Convention de mandat n° CM-31-2026-012 du /);
  noBadGrouping('invoice', invoice);
  const callForFunds = await get(operator, `/api/v1/invoices/${call.id}.pdf`);
  t.match(callForFunds, /Appel de fonds/);
  t.match(callForFunds, amount);
  noBadGrouping('call for funds', callForFunds);

  for (const note of ctx.db.select().from(creditNotes).all()) {
    const avoir = await get(operator, `/api/v1/credit-notes/${note.id}.pdf`);
    t.match(avoir, /Avoir n° AV-/);
    t.match(avoir, /Émis le /, 'an avoir is “émis”');
    t.notMatch(avoir, /Émise le/);
    t.match(avoir, amount);
    noBadGrouping(`credit note ${note.party}`, avoir);
  }

  const program = ctx.db.select().from(cofinancingPrograms).get()!;
  const report = await get(operator, `/api/v1/cofinancing-programs/${program.id}/report.pdf`);
  t.match(report, amount, 'the State’s report');
  t.match(report, /Restitué à l’enveloppe/);
  noBadGrouping('programme report', report);

  const earlier = ctx.db.select().from(orders).orderBy(asc(orders.createdAt)).get()!;
  const closing = await get(operator, `/api/v1/orders/${earlier.id}/closing-statement.pdf`);
  t.match(closing, amount);
  t.match(closing, /\d/);
  noBadGrouping('closing statement', closing);

  const payout = ctx.db.select().from(payouts).get()!;
  const place = ctx.db.select().from(organisations).where(eq(organisations.id, payout.placeId)).get()!;
  const period = ctx.db.get<{ period: string }>(sql`SELECT period FROM reimbursement_batches WHERE id = ${payout.batchId}`)!.period;
  const statement = await get(operator, `/api/v1/places/${place.id}/statements/${period}.pdf`, false);
  t.match(statement, /Montant remboursé : \d/);
  noBadGrouping('place statement', statement);

  const proof = await get(operator, `/api/v1/orders/${current.id}/proof.pdf`, false);
  t.match(proof, /10,00 €/, 'the booklet shows its face value');
  t.match(proof, /du \d{1,2}(er)? \S+ \d{4} au/);
  noBadGrouping('booklet proof', proof);
});
