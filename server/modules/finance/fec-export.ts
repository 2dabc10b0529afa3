import type { DbOrTx } from '../../../db/client.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { findOperatorOrganisation } from '../accounts/credentials.repository.ts';
import { journalEntryCountOfYear, journalEntryPageOfYear, journalLinesOfYearBetween, organisationNamesById, type FecRow } from './fec.repository.ts';
import { buildFec, encodeFecLatin9, fecFileName, type FecEntry } from './fec.ts';
import { documentReferences, orderInvoiceNumbers } from './ledger.repository.ts';

/** Journal of the FEC for each kind of entry: sales, bank, miscellaneous operations. */
const JOURNAL_OF_KIND: Record<string, { code: string; label: string }> = {
  order_approved: { code: 'VE', label: 'Ventes de pass' },
  payment_received: { code: 'BQ', label: 'Banque' },
  batch_exported: { code: 'BQ', label: 'Banque' },
  batch_paid: { code: 'BQ', label: 'Banque' },
  payout_rejected: { code: 'BQ', label: 'Banque' },
};
const MISCELLANEOUS = { code: 'OD', label: 'Opérations diverses' };

/**
 * Ledger account codes → chart-of-accounts (PCG) numbers; the organisation or programme of a
 * third-party account becomes the auxiliary account, so the accountant can letter it.
 */
export function pcgAccountOf(code: string): { compteNum: string; compteLib: string; aux?: string } {
  const [head, id, tail] = code.split(':');
  if (code === 'bank') return { compteNum: '512000', compteLib: 'Banque' };
  if (code === 'bank:in_transit') return { compteNum: '580000', compteLib: 'Virements émis en attente de débit' };
  if (code === 'passes:outstanding') return { compteNum: '467100', compteLib: 'Pass numérique en circulation' };
  if (code === 'fees:revenue') return { compteNum: '706000', compteLib: 'Prestations de services (frais de gestion)' };
  if (code === 'vat:collected') return { compteNum: '445710', compteLib: 'TVA collectée' };
  if (head === 'buyer' && tail === 'receivable') return { compteNum: '411000', compteLib: 'Clients — commanditaires', aux: id };
  if (head === 'buyer' && tail === 'credit_note') return { compteNum: '419800', compteLib: 'Avoirs à accorder aux commanditaires', aux: id };
  if (head === 'program' && tail === 'receivable') return { compteNum: '441000', compteLib: 'État — cofinancement à recevoir', aux: id };
  if (head === 'program' && tail === 'credit_note') return { compteNum: '441900', compteLib: 'État — cofinancement à restituer', aux: id };
  if (head === 'place' && tail === 'payable') return { compteNum: '401000', compteLib: 'Fournisseurs — lieux labellisés', aux: id };
  return { compteNum: '471000', compteLib: `Compte d’attente (${code})` };
}

/**
 * Writes a year's FEC page by page of journal entries, in seq order, so that a job can write it in
 * short steps (fec.job.ts): the numbering per journal carries over from page to page, the header
 * goes in the first page only. exportFec writes it in one go with the same writer, so both give
 * the same bytes.
 */
export class FecWriter {
  private readonly counters = new Map<string, number>();
  private afterSeq = 0;
  private started = false;
  entryCount = 0;
  private readonly auxNames: Map<string, string>;
  readonly fileName: string;

  constructor(
    private readonly db: DbOrTx,
    private readonly year: number,
  ) {
    const operator = findOperatorOrganisation(db);
    this.auxNames = organisationNamesById(db);
    this.fileName = fecFileName(operator?.siret?.slice(0, 9) ?? '000000000', `${year}-12-31`);
  }

  /** Entries of the year: the progress total of the job. */
  static entriesOfYear(db: DbOrTx, year: number): number {
    return journalEntryCountOfYear(db, year);
  }

  /** The next `limit` entries as FEC bytes (ISO-8859-15); `done` once every entry is written. */
  nextPage(limit: number, db: DbOrTx = this.db): { bytes: Buffer; entries: number; done: boolean } {
    const { year } = this;
    const page = journalEntryPageOfYear(db, year, this.afterSeq, limit);
    const last = page.at(-1);
    const rows = last ? journalLinesOfYearBetween(db, year, this.afterSeq, last.seq) : [];
    const entries = this.entriesOf(db, rows);
    const text = buildFec(entries);
    // buildFec starts every text with the header line: only the file's first page keeps it.
    const body = this.started ? text.slice(text.indexOf('\n') + 1) : text;
    this.started = true;
    if (last) this.afterSeq = last.seq;
    this.entryCount += entries.length;
    return { bytes: encodeFecLatin9(body), entries: entries.length, done: page.length < limit };
  }

  private entriesOf(db: DbOrTx, rows: FecRow[]): FecEntry[] {
    const { year, counters, auxNames } = this;
    // Piece numbers for the page in one query per kind of document (ledger.repository.ts names them for the journal page too).
    const pieces = documentReferences(db, rows.map((r) => r.entry), 'fec');
    const orderInvoices = orderInvoiceNumbers(db, [...new Set(rows.filter((r) => r.entry.refType === 'order').map((r) => r.entry.refId))]);
    const entries: FecEntry[] = [];
    let current: FecEntry | undefined;
    let currentId = '';
    for (const row of rows) {
      if (row.entry.id !== currentId) {
        currentId = row.entry.id;
        const journal = JOURNAL_OF_KIND[row.entry.kind] ?? MISCELLANEOUS;
        const number = (counters.get(journal.code) ?? 0) + 1;
        counters.set(journal.code, number);
        current = {
          journalCode: journal.code,
          journalLib: journal.label,
          ecritureNum: `${journal.code}${year}${String(number).padStart(6, '0')}`,
          ecritureDate: row.entry.valueDate,
          pieceRef: pieces.get(`${row.entry.refType}:${row.entry.refId}`) ?? `${row.entry.refType}-${row.entry.refId}`,
          pieceDate: row.entry.valueDate,
          ecritureLib: row.entry.label,
          validDate: parisDate(new Date(row.entry.postedAt)),
          lines: [],
        };
        entries.push(current);
      }
      const account = pcgAccountOf(row.accountCode);
      current!.lines.push({
        compteNum: account.compteNum,
        compteLib: account.compteLib,
        compAuxNum: account.aux ?? null,
        compAuxLib: account.aux ? (auxNames.get(account.aux) ?? row.accountName) : null,
        debitCents: row.debitCents,
        creditCents: row.creditCents,
        // The State's share of an order is billed by the call for funds, not by the buyer's invoice.
        pieceRef: row.entry.refType === 'order' && row.accountCode.startsWith('program:') ? (orderInvoices.get(row.entry.refId)?.state ?? null) : null,
      });
    }
    return entries;
  }
}

/** The operator's FEC for a fiscal year (calendar year of the value dates), in ISO-8859-15 as the arrêté asks. */
export function exportFec(db: DbOrTx, year: number): { fileName: string; content: Buffer; entryCount: number } {
  const writer = new FecWriter(db, year);
  const parts: Buffer[] = [];
  for (;;) {
    const page = writer.nextPage(Number.MAX_SAFE_INTEGER);
    parts.push(page.bytes);
    if (page.done) break;
  }
  return { fileName: writer.fileName, content: Buffer.concat(parts), entryCount: writer.entryCount };
}
