/**
 * The bank's side of the system property test: every movement of the operator's account, whether
 * finance typed it in (a payment, a batch marked paid, a transfer that came back) or a statement
 * brought it, ends up on a later statement, as banks do. Statements follow one another (each
 * opening is the previous closing), sometimes overlap the previous one, sometimes come twice.
 * The invariant: the operator's bank account differs from the last closing balance by exactly the
 * movements still queued and the typed-in movements no statement showed yet.
 */
import { eq, sql } from 'drizzle-orm';
import { bankEntries } from '../../db/schema/bank-statements.ts';
import { invoices } from '../../db/schema/orders.ts';
import { payouts } from '../../db/schema/reimbursement.ts';
import { parisDate } from '../../server/shared/paris-time.ts';
import { importStatement } from '../../server/modules/finance/bank-statements.service.ts';
import { dismissEntry } from '../../server/modules/finance/bank-entries.service.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { camt053, cfonb120, type TestBankEntry } from './bank-files.ts';
import type { Db } from '../../db/client.ts';
import type { Config } from '../../server/config.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import type { ManualClock } from '../../server/shared/clock.ts';

/** What of the property test's world the bank needs (its own type, so that the world can hold a bank). */
interface World {
  db: Db;
  clock: ManualClock;
  config: Config;
  finance: Actor;
  bank: BankModel;
}
type StatementStep = { format: 'camt02' | 'camt08' | 'cfonb'; half: boolean; unknown: boolean; again: boolean; overlap: boolean; returned: boolean };

export interface BankModel {
  /** Movements finance typed in, not yet on a statement. */
  pending: TestBankEntry[];
  /** The previous statement, for an overlapping one. */
  /** The previous statement, for an overlapping one (in the same format: bank references differ between formats). */
  last: { from: string; openingCents: number; entries: TestBankEntry[]; format: StatementStep['format'] } | null;
  balanceCents: number;
  refs: number;
}

export const newBankModel = (): BankModel => ({ pending: [], last: null, balanceCents: 1_000_000, refs: 0 });
const ref = (bank: BankModel) => `S${String(++bank.refs).padStart(6, '0')}`;
const signed = (e: TestBankEntry) => (e.direction === 'credit' ? e.amountCents : -e.amountCents);

/** A payment finance typed in: the buyer's transfer, on the next statement. */
export function bankSawPayment(w: World, invoiceNumber: string, amountCents: number, date: string): void {
  w.bank.pending.push({ ref: ref(w.bank), date, direction: 'credit', amountCents, remittance: `VIR ${invoiceNumber}` });
}
/** Payouts finance marked executed: one debit each, naming it. */
export function bankSawPayouts(w: World, paid: { reference: string; amountCents: number }[], date: string): void {
  for (const p of paid) w.bank.pending.push({ ref: ref(w.bank), date, direction: 'debit', amountCents: p.amountCents, endToEndId: p.reference });
}
/** An executed payout finance recorded as returned: the money back, with a return reason. */
export function bankSawReturn(w: World, payout: { reference: string; amountCents: number }, date: string): void {
  w.bank.pending.push({ ref: ref(w.bank), date, direction: 'credit', amountCents: payout.amountCents, endToEndId: payout.reference, returnReason: 'AC04' });
}

export function statementStep(w: World, s: StatementStep): 'done' | 'noop' {
  const { db, clock, bank } = w;
  const today = parisDate(clock.now());
  // The bank's view of today: transfers citing unpaid invoices, debits of approved payouts, a return, now and then a stranger's credit.
  const owed = db.select().from(invoices).all().filter((i) => i.paidCents < i.totalCents).slice(0, 3);
  const waiting = db.select().from(payouts).where(eq(payouts.status, 'approved')).all().slice(0, 2);
  const returned = s.returned ? db.select().from(payouts).where(eq(payouts.status, 'paid')).all().slice(0, 1) : [];
  const fresh: TestBankEntry[] = [
    ...bank.pending,
    ...owed.map((i) => ({ ref: ref(bank), date: today, direction: 'credit' as const, amountCents: s.half ? Math.max(1, Math.floor((i.totalCents - i.paidCents) / 2)) : i.totalCents - i.paidCents, remittance: `VIR ${i.number}` })),
    ...waiting.map((p) => ({ ref: ref(bank), date: today, direction: 'debit' as const, amountCents: p.amountCents, endToEndId: p.reference })),
    ...returned.map((p) => ({ ref: ref(bank), date: today, direction: 'credit' as const, amountCents: p.amountCents, endToEndId: p.reference, returnReason: 'AM04' })),
    ...(s.unknown ? [{ ref: ref(bank), date: today, direction: 'credit' as const, amountCents: 777, remittance: 'VIREMENT INCONNU' }] : []),
  ];
  if (fresh.length === 0) return 'noop';
  const overlap = s.overlap && bank.last ? bank.last : null;
  const format = overlap?.format ?? s.format;
  const entries = [...(overlap?.entries ?? []), ...fresh];
  const openingCents = overlap ? overlap.openingCents : bank.balanceCents;
  const from = [overlap?.from ?? today, ...entries.map((e) => e.date)].sort()[0]!;
  const statement = { iban: w.config.operatorAccount.iban, from, to: today, openingCents, entries };
  const content = format === 'cfonb' ? cfonb120(statement) : camt053(format === 'camt02' ? '02' : '08', statement);
  const contentType = format === 'cfonb' ? ('text' as const) : ('xml' as const);
  const before = Number(db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM bank_entries`)?.n ?? 0);
  const summary = importStatement({ db, clock, actor: w.finance, config: w.config, content, contentType });
  // Read whole or refused whole; once read, the bank's movements are the model's.
  if (summary.created) {
    bank.pending = [];
    bank.last = { from, openingCents, entries, format };
    bank.balanceCents = openingCents + entries.reduce((sum, e) => sum + signed(e), 0);
    const added = Number(db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM bank_entries`)?.n ?? 0) - before;
    if (added !== fresh.length) throw new Error(`a statement of ${fresh.length} new movements (${overlap ? 'overlapping' : 'alone'}) recorded ${added}`);
  }
  if (s.again) {
    const journal = () => Number(db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM journal_entries`)?.n ?? 0);
    const count = journal();
    const again = importStatement({ db, clock, actor: w.finance, config: w.config, content, contentType });
    if (again.created || journal() !== count) throw new Error('the same statement imported twice recorded something');
  }
  return 'done';
}

/** Finance sets a queued movement aside. */
export function dismissStep(w: World, i: number): 'done' | 'noop' {
  const queued = w.db.select().from(bankEntries).where(eq(bankEntries.status, 'unmatched')).all();
  if (queued.length === 0) return 'noop';
  dismissEntry({ db: w.db, clock: w.clock, actor: w.finance, entryId: queued[i % queued.length]!.id, reason: 'Mouvement étranger au service' });
  return 'done';
}

export function bankViolations(w: World): string[] {
  const bank = reconciliationReport(w.db).bank;
  if (!bank) return [];
  const first = w.db.get<{ v: string }>(sql`SELECT MIN(from_date) AS v FROM bank_statements`)!.v;
  const notShown = w.bank.pending.filter((e) => e.date >= first && e.date <= bank.lastStatementToDate).reduce((sum, e) => sum + signed(e), 0);
  const gap = bank.closingCents - bank.accountCents;
  const explained = bank.unmatchedCents - notShown;
  if (bank.closingCents !== w.bank.balanceCents) return [`last closing balance ${bank.closingCents}, the bank's balance ${w.bank.balanceCents}`];
  return gap === explained ? [] : [`bank account ${bank.accountCents} vs last closing ${bank.closingCents}: gap ${gap}, queued ${bank.unmatchedCents}, typed in and not yet on a statement ${notShown}`];
}
