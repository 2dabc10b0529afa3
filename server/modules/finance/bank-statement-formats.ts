import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { BankStatementFormat } from '../../../db/schema/bank-statements.ts';
import { countOf } from '../../shared/plural.ts';
import { camtVersionUnsupported, statementUnreadable } from './bank-statements.errors.ts';

/**
 * Strict readers of the operator's bank statements, with no I/O: ISO 20022 camt.053 (001.02 and
 * 001.08) and the French CFONB 120 fixed-width format. Both give the same ParsedStatement; the
 * import refuses anything it cannot read whole rather than recording part of a statement.
 */

export interface ParsedEntry {
  /** The bank's own reference of the movement, stable across statements (uniqueness key). */
  entryRef: string;
  bookingDate: string;
  direction: 'credit' | 'debit';
  amountCents: number;
  endToEndId: string | null;
  remittance: string | null;
  counterparty: string | null;
  returnReason: string | null;
}

export interface ParsedStatement {
  format: BankStatementFormat;
  account: string;
  statementRef: string;
  fromDate: string;
  toDate: string;
  openingCents: number;
  closingCents: number;
  entries: ParsedEntry[];
}

/** "1234.5" → 123450; amounts are never read through floating point. */
function decimalToCents(text: string, what: string): number {
  const match = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw statementUnreadable(`montant « ${text.slice(0, 30)} » invalide (${what})`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

const stableRef = (...parts: (string | number | null)[]) => createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);

/**
 * A reference for movements the bank gave none: their content, plus their rank among identical
 * movements of the statement, so that two equal transfers on one day stay two movements while an
 * overlapping statement showing the same day gives them the same references again.
 */
function contentRefs() {
  const seen = new Map<string, number>();
  return (...parts: (string | number | null)[]) => {
    const key = stableRef(...parts);
    const rank = (seen.get(key) ?? 0) + 1;
    seen.set(key, rank);
    return rank === 1 ? key : `${key}:${rank}`;
  };
}

// --- camt.053 -------------------------------------------------------------------------------

const CAMT_NAMESPACES: Record<string, BankStatementFormat> = {
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02': 'camt.053.001.02',
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08': 'camt.053.001.08',
};

type Node = Record<string, unknown>;
const asArray = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);
const text = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return text((v as Node)['#text']);
  const s = String(v).trim();
  return s === '' ? null : s;
};
const at = (node: unknown, ...path: string[]): unknown => path.reduce<unknown>((n, key) => (n && typeof n === 'object' ? (n as Node)[key] : undefined), node);
const dateOf = (node: unknown): string | null => text(at(node, 'Dt')) ?? text(at(node, 'DtTm'))?.slice(0, 10) ?? null;

export function parseCamt053(xml: string): ParsedStatement {
  const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false, trimValues: true, processEntities: true });
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    throw statementUnreadable(`XML mal formé (${(error as Error).message.slice(0, 100)})`);
  }
  const document = doc.Document as Node | undefined;
  const namespace = /<(?:[\w-]+:)?Document\b[^>]*\sxmlns(?::[\w-]+)?="([^"]+)"/.exec(xml)?.[1] ?? '';
  const format = CAMT_NAMESPACES[namespace];
  if (!document || !format) throw camtVersionUnsupported();
  const statements = asArray(at(document, 'BkToCstmrStmt', 'Stmt'));
  if (statements.length !== 1) throw statementUnreadable('un relevé (Stmt) par fichier attendu');
  const stmt = statements[0]!;
  const account = text(at(stmt, 'Acct', 'Id', 'IBAN'));
  if (!account) throw statementUnreadable('IBAN du compte absent');
  const balance = (codes: string[]) => {
    const found = asArray(stmt.Bal).find((b) => codes.includes(text(at(b, 'Tp', 'CdOrPrtry', 'Cd')) ?? ''));
    if (!found) throw statementUnreadable(`solde ${codes.join(' ou ')} absent`);
    const cents = decimalToCents(text(found.Amt) ?? '', 'solde');
    return { cents: text(found.CdtDbtInd) === 'DBIT' ? -cents : cents, date: dateOf(found.Dt) };
  };
  const opening = balance(['OPBD', 'PRCD']);
  const closing = balance(['CLBD']);
  const entries: ParsedEntry[] = [];
  const contentRef = contentRefs();
  for (const ntry of asArray(stmt.Ntry)) {
    const status = text(at(ntry, 'Sts', 'Cd')) ?? text(ntry.Sts);
    if (status !== 'BOOK') continue; // pending or informative entries are not on the account yet
    const bookingDate = dateOf(ntry.BookgDt);
    if (!bookingDate || !/^\d{4}-\d{2}-\d{2}$/.test(bookingDate)) throw statementUnreadable('date de comptabilisation absente');
    const indicator = text(ntry.CdtDbtInd);
    if (indicator !== 'CRDT' && indicator !== 'DBIT') throw statementUnreadable('sens (CdtDbtInd) absent');
    const amountCents = decimalToCents(text(ntry.Amt) ?? '', 'écriture');
    const tx = asArray(at(ntry, 'NtryDtls', 'TxDtls'))[0];
    const endToEndId = text(at(tx, 'Refs', 'EndToEndId'));
    const remittance = asArray(at(tx, 'RmtInf', 'Ustrd')).map(text).filter(Boolean).join(' ') || text(ntry.AddtlNtryInf);
    const party = indicator === 'CRDT' ? 'Dbtr' : 'Cdtr';
    const counterparty = text(at(tx, 'RltdPties', party, 'Nm')) ?? text(at(tx, 'RltdPties', party, 'Pty', 'Nm'));
    const returnReason = text(at(tx, 'RtrInf', 'Rsn', 'Cd')) ?? (text(ntry.RvslInd) === 'true' ? 'RVSL' : null);
    const bankRef = text(ntry.AcctSvcrRef) ?? text(at(tx, 'Refs', 'AcctSvcrRef')) ?? text(ntry.NtryRef);
    entries.push({
      entryRef: bankRef ? `camt:${account}:${bankRef}` : `camt:${account}:${contentRef(bookingDate, indicator, amountCents, endToEndId, remittance)}`,
      bookingDate,
      direction: indicator === 'CRDT' ? 'credit' : 'debit',
      amountCents,
      endToEndId: endToEndId === 'NOTPROVIDED' ? null : endToEndId,
      remittance: remittance ?? null,
      counterparty,
      returnReason,
    });
  }
  const dates = entries.map((e) => e.bookingDate).sort();
  const fromDate = text(at(stmt, 'FrToDt', 'FrDtTm'))?.slice(0, 10) ?? opening.date ?? dates[0];
  const toDate = text(at(stmt, 'FrToDt', 'ToDtTm'))?.slice(0, 10) ?? closing.date ?? dates[dates.length - 1];
  if (!fromDate || !toDate) throw statementUnreadable('période du relevé absente');
  return { format, account, statementRef: text(stmt.Id) ?? `${fromDate}/${toDate}`, fromDate, toDate, openingCents: opening.cents, closingCents: closing.cents, entries };
}

// --- CFONB 120 ------------------------------------------------------------------------------

/** Last digit of a CFONB amount carries the sign: "{", "A"–"I" positive, "}", "J"–"R" negative. */
function cfonbAmount(field: string, decimals: number, line: number): number {
  const last = field.at(-1) ?? '';
  const positive = '{ABCDEFGHI'.indexOf(last);
  const negative = '}JKLMNOPQR'.indexOf(last);
  const digit = positive >= 0 ? positive : negative;
  const head = field.slice(0, -1);
  if (digit < 0 || !/^\d+$/.test(head)) throw statementUnreadable(`montant illisible ligne ${line}`);
  if (decimals !== 2) throw statementUnreadable(`ligne ${line} : montants en euros à deux décimales attendus`);
  const cents = Number(head) * 10 + digit;
  return negative >= 0 ? -cents : cents;
}

const cfonbDate = (ddmmyy: string, line: number) => {
  if (!/^\d{6}$/.test(ddmmyy)) throw statementUnreadable(`date illisible ligne ${line}`);
  return `20${ddmmyy.slice(4, 6)}-${ddmmyy.slice(2, 4)}-${ddmmyy.slice(0, 2)}`;
};

export function parseCfonb120(content: string): ParsedStatement {
  const lines = content.split(/\r?\n/).filter((l) => l.trim() !== '');
  let opening: { cents: number; date: string } | null = null;
  let closing: { cents: number; date: string } | null = null;
  let account: string | null = null;
  const entries: ParsedEntry[] = [];
  const contentRef = contentRefs();
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.length !== 120) throw statementUnreadable(`ligne ${n} : 120 caractères attendus, ${countOf(raw.length, 'lu')}`);
    const code = raw.slice(0, 2);
    const rib = `${raw.slice(2, 7)}${raw.slice(11, 16)}${raw.slice(21, 32)}`;
    if (raw.slice(16, 19) !== 'EUR') throw statementUnreadable(`ligne ${n} : relevé en euros attendu`);
    if (account && rib !== account) throw statementUnreadable(`ligne ${n} : un seul compte par relevé attendu`);
    account ??= rib;
    const decimals = Number(raw.slice(19, 20));
    if (code === '01') opening = { cents: cfonbAmount(raw.slice(90, 104), decimals, n), date: cfonbDate(raw.slice(34, 40), n) };
    else if (code === '07') closing = { cents: cfonbAmount(raw.slice(90, 104), decimals, n), date: cfonbDate(raw.slice(34, 40), n) };
    else if (code === '04') {
      const signed = cfonbAmount(raw.slice(90, 104), decimals, n);
      if (signed === 0) throw statementUnreadable(`ligne ${n} : mouvement de montant nul`);
      const bookingDate = cfonbDate(raw.slice(34, 40), n);
      const entryNumber = raw.slice(81, 88).trim();
      const label = raw.slice(48, 79).trim();
      const reference = raw.slice(104, 120).trim();
      entries.push({
        entryRef: entryNumber ? `cfonb:${rib}:${raw.slice(34, 40)}:${entryNumber}` : `cfonb:${rib}:${contentRef(bookingDate, signed, label, reference)}`,
        bookingDate,
        direction: signed > 0 ? 'credit' : 'debit',
        amountCents: Math.abs(signed),
        endToEndId: reference || null,
        remittance: label || null,
        counterparty: null,
        returnReason: raw.slice(40, 42).trim() || null,
      });
    } else if (code === '05') {
      const entry = entries.at(-1);
      if (!entry) throw statementUnreadable(`ligne ${n} : complément sans mouvement`);
      const qualifier = raw.slice(45, 48);
      const info = raw.slice(48, 118).trim();
      if (qualifier === 'LIB') entry.remittance = [entry.remittance, info].filter(Boolean).join(' ');
      else if (qualifier === 'NPY' || qualifier === 'NBE') entry.counterparty = info;
      else if (qualifier === 'RCN') entry.endToEndId = info;
    } else throw statementUnreadable(`ligne ${n} : enregistrement « ${code} » inconnu`);
  });
  const start = opening as { cents: number; date: string } | null;
  const end = closing as { cents: number; date: string } | null;
  if (!start || !end || !account) throw statementUnreadable('ancien solde (01) et nouveau solde (07) attendus');
  return { format: 'cfonb120', account, statementRef: `${account}/${start.date}/${end.date}`, fromDate: start.date, toDate: end.date, openingCents: start.cents, closingCents: end.cents, entries };
}

/** The bank, branch and account numbers of a French IBAN: what a CFONB statement names. */
export function ribOfFrenchIban(iban: string): string | null {
  const compact = iban.replace(/\s/g, '').toUpperCase();
  return /^FR\d{2}\d{10}[0-9A-Z]{11}\d{2}$/.test(compact) ? compact.slice(4, 25) : null;
}
