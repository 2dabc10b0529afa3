/**
 * Fichier des Écritures Comptables (article A47 A-1 du LPF, BOI-CF-IOR-60-40-20): the operator's books
 * as the tax administration reads them. No maintained npm writer exists, hence this one.
 */
import iconv from 'iconv-lite';
import { centsToDecimalComma } from '../../shared/money.ts';
import { isValidSiren } from '../../shared/siret.ts';

export const FEC_COLUMNS = [
  'JournalCode',
  'JournalLib',
  'EcritureNum',
  'EcritureDate',
  'CompteNum',
  'CompteLib',
  'CompAuxNum',
  'CompAuxLib',
  'PieceRef',
  'PieceDate',
  'EcritureLib',
  'Debit',
  'Credit',
  'EcritureLet',
  'DateLet',
  'ValidDate',
  'Montantdevise',
  'Idevise',
] as const;

export interface FecLine {
  /** PCG account number (e.g. 512000, 4011LIEU42): its first three digits must be a PCG account. */
  compteNum: string;
  compteLib: string;
  compAuxNum?: string | null;
  compAuxLib?: string | null;
  debitCents: number;
  creditCents: number;
  /** The line's own piece when it is not the entry's: an order's State line is its call for funds. */
  pieceRef?: string | null;
}

export interface FecEntry {
  journalCode: string;
  journalLib: string;
  /** Continuous per journal, e.g. "BQ000041" then "BQ000042": checked, never renumbered here. */
  ecritureNum: string;
  /** YYYY-MM-DD, like every date below. */
  ecritureDate: string;
  pieceRef: string;
  pieceDate: string;
  ecritureLib: string;
  validDate: string;
  lines: FecLine[];
}

export class FecError extends Error {
  override name = 'FecError';
}

const SEPARATOR = '\t';
const EOL = '\r\n';

/** A tab or line break inside a label would shift columns or split a record for the auditor's tool. */
function text(value: string | null | undefined): string {
  return (value ?? '').replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ').trim();
}

function required(value: string, label: string, where: string): string {
  const clean = text(value);
  if (clean === '') throw new FecError(`${where} : ${label} obligatoire`);
  return clean;
}

function fecDate(value: string, label: string, where: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) throw new FecError(`${where} : ${label} invalide (${value})`);
  return value.replace(/-/g, '');
}

/** Splits "BQ000042" into "BQ" and 42 so that the successor of each number can be checked. */
function numbering(ecritureNum: string): { prefix: string; n: bigint } | null {
  const match = /^(.*?)(\d+)$/.exec(ecritureNum);
  return match ? { prefix: match[1] ?? '', n: BigInt(match[2] ?? '') } : null;
}

/**
 * The whole FEC as text: header then one record per line, tab-separated, CRLF-terminated, amounts with
 * a decimal comma. Entries are written in the order given; each must balance and the numbering of each
 * journal must run without gaps, otherwise nothing is produced.
 */
export function buildFec(entries: FecEntry[]): string {
  const out: string[] = [FEC_COLUMNS.join(SEPARATOR) + EOL];
  const lastByJournal = new Map<string, { prefix: string; n: bigint; num: string }>();

  for (const entry of entries) {
    const journalCode = required(entry.journalCode, 'JournalCode', 'écriture');
    const ecritureNum = required(entry.ecritureNum, 'EcritureNum', `journal ${journalCode}`);
    const where = `écriture ${journalCode} ${ecritureNum}`;

    const num = numbering(ecritureNum);
    if (!num) throw new FecError(`${where} : EcritureNum doit se terminer par un numéro`);
    const previous = lastByJournal.get(journalCode);
    if (previous && (previous.prefix !== num.prefix || num.n !== previous.n + 1n)) {
      throw new FecError(`${where} : numérotation discontinue, elle devrait suivre ${previous.num}`);
    }
    lastByJournal.set(journalCode, { prefix: num.prefix, n: num.n, num: ecritureNum });

    if (entry.lines.length < 2) throw new FecError(`${where} : au moins deux lignes attendues`);
    let debit = 0;
    let credit = 0;
    for (const line of entry.lines) {
      for (const amount of [line.debitCents, line.creditCents]) {
        if (!Number.isSafeInteger(amount) || amount < 0) throw new FecError(`${where} : montant invalide (${amount})`);
      }
      // Same rule as journal_lines: a line is either a debit or a credit.
      if ((line.debitCents > 0) === (line.creditCents > 0)) throw new FecError(`${where} : chaque ligne doit porter soit un débit, soit un crédit`);
      debit += line.debitCents;
      credit += line.creditCents;
    }
    if (debit !== credit) {
      throw new FecError(`${where} déséquilibrée : débit ${centsToDecimalComma(debit)} ≠ crédit ${centsToDecimalComma(credit)}`);
    }

    const common = {
      journalLib: required(entry.journalLib, 'JournalLib', where),
      ecritureDate: fecDate(entry.ecritureDate, 'EcritureDate', where),
      pieceRef: required(entry.pieceRef, 'PieceRef', where),
      pieceDate: fecDate(entry.pieceDate, 'PieceDate', where),
      ecritureLib: required(entry.ecritureLib, 'EcritureLib', where),
      validDate: fecDate(entry.validDate, 'ValidDate', where),
    };
    for (const line of entry.lines) {
      const compteNum = required(line.compteNum, 'CompteNum', where);
      // The administration's tools map accounts by their PCG class (first three digits).
      if (!/^[1-8]\d{2}/.test(compteNum)) throw new FecError(`${where} : CompteNum ${compteNum} ne commence pas par un compte du plan comptable général`);
      const record = [
        journalCode,
        common.journalLib,
        ecritureNum,
        common.ecritureDate,
        compteNum,
        required(line.compteLib, 'CompteLib', where),
        text(line.compAuxNum),
        text(line.compAuxLib),
        line.pieceRef ? required(line.pieceRef, 'PieceRef', where) : common.pieceRef,
        common.pieceDate,
        common.ecritureLib,
        centsToDecimalComma(line.debitCents),
        centsToDecimalComma(line.creditCents),
        '',
        '',
        common.validDate,
        // Everything is in euros, so the foreign-currency columns stay empty.
        '',
        '',
      ];
      out.push(record.join(SEPARATOR) + EOL);
    }
  }
  return out.join('');
}

// ISO-8859-15 is Latin-1 with eight code points swapped for €, Š, š, Ž, ž, Œ, œ, Ÿ. Control characters
// other than the separators have no business in a FEC and are replaced too.
const LATIN9_CLASS = '\\t\\n\\r\\u0020-\\u00a3\\u00a5\\u00a7\\u00a9-\\u00b3\\u00b5-\\u00b7\\u00b9-\\u00bb\\u00bf-\\u00ff€ŠšŽžŒœŸ';
const NOT_LATIN9 = new RegExp(`[^${LATIN9_CLASS}]`, 'gu');
const ALL_LATIN9 = new RegExp(`^[${LATIN9_CLASS}]+$`, 'u');
const FALLBACKS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u202f': ' ',
  '\u2009': ' ',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  ı: 'i',
  ẞ: 'SS',
  '¼': '1/4',
  '½': '1/2',
  '¾': '3/4',
};

/**
 * The FEC bytes in ISO-8859-15, one of the charsets the arrêté allows. Characters it lacks are
 * approximated (’ → ', “ → ", accents of other languages dropped) instead of iconv's silent "?".
 */
export function encodeFecLatin9(fecText: string): Buffer {
  const safe = fecText.replace(NOT_LATIN9, (char) => {
    const fallback = FALLBACKS[char];
    if (fallback !== undefined) return fallback;
    const stripped = char.normalize('NFKD').replace(/\p{M}/gu, '');
    return ALL_LATIN9.test(stripped) ? stripped : '?';
  });
  return iconv.encode(safe, 'iso-8859-15');
}

/** `<SIREN>FEC<AAAAMMJJ>.txt`, the date being the closing date of the fiscal year. */
export function fecFileName(siren: string, closingDate: string): string {
  if (!isValidSiren(siren)) throw new FecError(`SIREN invalide : ${siren}`);
  return `${siren}FEC${fecDate(closingDate, 'date de clôture', 'nom du fichier FEC')}.txt`;
}
