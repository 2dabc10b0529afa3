/**
 * Reads the open-data CSV files of places (RFC 4180: quoted cells, doubled quotes, CRLF or LF,
 * newlines inside quotes). The separator is guessed from the header line, because producers use
 * `,` (the standard), `;` (spreadsheets saved in French) or tabs.
 */

export interface CsvRecord {
  /** 1-based line number of the record's first line in the file, for error reports. */
  line: number;
  cells: Record<string, string>;
}

export interface ParsedCsv {
  headers: string[];
  records: CsvRecord[];
  separator: string;
}

function guessSeparator(headerLine: string): string {
  const counts = [',', ';', '\t'].map((sep) => ({ sep, n: headerLine.split(sep).length - 1 }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0]!.n > 0 ? counts[0]!.sep : ',';
}

export function parseCsv(text: string): ParsedCsv {
  const input = text.replace(/^\uFEFF/, '');
  const firstLine = input.slice(0, input.search(/\r?\n|$/));
  const separator = guessSeparator(firstLine);
  const rows: { line: number; cells: string[] }[] = [];
  let row: string[] = [];
  let cell = '';
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') inQuotes = true;
    else if (c === separator) {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && input[i + 1] === '\n') {
      // the \n that follows ends the row
    } else if (c === '\n' || c === '\r') {
      row.push(cell);
      rows.push({ line: rowLine, cells: row });
      row = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push({ line: rowLine, cells: row });
  }
  const [header, ...body] = rows.filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (!header) return { headers: [], records: [], separator };
  const headers = header.cells.map((h) => h.trim().toLowerCase());
  const records = body.map((r) => ({
    line: r.line,
    cells: Object.fromEntries(headers.map((h, i) => [h, (r.cells[i] ?? '').trim()])),
  }));
  return { headers, records, separator };
}

/**
 * A multi-valued cell: v1 of the mednum standard separates values with `|`, its README and v0.x
 * files with `;`, data·inclusion exports with `,` inside JSON-ish brackets. Accept all of them.
 */
export function splitMultiValue(cell: string | undefined): string[] {
  if (!cell) return [];
  let text = cell.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed)) return parsed.map((v) => String(v).trim()).filter(Boolean);
    } catch {
      text = text.slice(1, -1);
    }
  }
  const separator = text.includes('|') ? '|' : text.includes(';') ? ';' : null;
  const parts = separator ? text.split(separator) : [text];
  return parts.map((p) => p.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
}
