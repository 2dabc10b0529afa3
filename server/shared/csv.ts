import { centsToDecimalComma } from './money.ts';
import { parisDate } from './paris-time.ts';

/** Excel only detects UTF-8 with a BOM; without it accents come out as mojibake. */
export const BOM = '\uFEFF';

/** A code that must stay text in a spreadsheet (SIRET, INSEE code, postal code): see `codeCell`. */
export interface CodeCell {
  code: string;
}
export type CsvCell = string | number | null | undefined | CodeCell;

/**
 * Identifiers with leading zeros ("01053", "00230456700017") come out of Excel and LibreOffice
 * as numbers without their zeros. Such a cell is written `="01053"`, which both read as the text
 * 01053 (the documented policy, README "Exports CSV"). Only digits are accepted here, so this
 * formula form can never carry anything else: a name typed as "=HYPERLINK(…)" stays neutralised.
 */
export function codeCell(value: string | null | undefined): CodeCell | null {
  if (value === null || value === undefined || value === '') return null;
  return { code: value };
}

// French Excel and LibreOffice split on ';' because ',' is the decimal separator.
const SEPARATOR = ';';
const EOL = '\r\n';

/** A spreadsheet would run these as a formula (CSV injection), e.g. "=HYPERLINK(…)" typed as a place name. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Numbers and amounts such as "-10,50" start with a sign but are harmless and must stay numbers. */
const PLAIN_NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;

function neutralise(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

function cellText(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return /^\d+$/.test(value.code) && value.code.startsWith('0') ? `="${value.code}"` : neutralise(value.code);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`nombre invalide dans un CSV : ${value}`);
    return String(value).replace('.', ',');
  }
  return neutralise(value);
}

function quote(text: string): string {
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function line(cells: CsvCell[]): string {
  return cells.map((c) => quote(cellText(c))).join(SEPARATOR);
}

/** One CSV record with its line end. */
export function csvRecord(cells: CsvCell[]): string {
  return line(cells) + EOL;
}

/** UTF-8 text with BOM, ';' separators and CRLF after every record, ready to send as text/csv. */
export function toCsv(headers: string[], rows: CsvCell[][]): string {
  for (const [i, row] of rows.entries()) {
    // A short or long row silently shifts every later column under the wrong header.
    if (row.length !== headers.length) throw new RangeError(`ligne ${i + 1} : ${row.length} colonnes au lieu de ${headers.length}`);
  }
  return BOM + [headers, ...rows].map((r) => line(r) + EOL).join('');
}

/** "1234,56": amounts go to spreadsheets as decimal-comma text, never as floats. */
export function euroCell(cents: number): string {
  return centsToDecimalComma(cents);
}

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * One date format in every export: a calendar date is written AAAA-MM-JJ, an instant its Paris
 * date and time "AAAA-MM-JJ HH:MM". Both read as dates in Excel and LibreOffice, sort as text, and
 * never depend on the reader's locale (README « Exports CSV »).
 */
export function dateCell(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const instant = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(instant.getTime())) return typeof value === 'string' ? value : null;
  return `${parisDate(instant)} ${PARIS_TIME.format(instant)}`;
}
