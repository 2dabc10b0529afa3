import t from 'tap';
import fc from 'fast-check';
import { BOM, euroCell, toCsv } from '../../server/shared/csv.ts';

/** Minimal RFC 4180 reader with ';' separator, to check what a spreadsheet would see. */
function parse(csv: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < csv.length) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ';') {
      record.push(field);
      field = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  return records;
}

t.test('BOM, semicolons, CRLF after every record', async (t) => {
  const csv = toCsv(['Lieu', 'Montant'], [['Médiathèque', euroCell(123456)], ['Café', 42]]);
  t.equal(csv, `${BOM}Lieu;Montant\r\nMédiathèque;1234,56\r\nCafé;42\r\n`);
  t.ok(Buffer.from(csv, 'utf8').subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'UTF-8 BOM bytes');
});

t.test('quoting per RFC 4180 only when needed', async (t) => {
  const csv = toCsv(['a', 'b', 'c', 'd'], [['un;deux', 'il a dit "oui"', 'ligne 1\nligne 2', 'simple']]);
  t.equal(csv, `${BOM}a;b;c;d\r\n"un;deux";"il a dit ""oui""";"ligne 1\nligne 2";simple\r\n`);
  t.equal(toCsv(['x'], [['a, b']]), `${BOM}x\r\na, b\r\n`, 'commas need no quoting with a ; separator');
});

t.test('null and undefined are empty cells, numbers use a decimal comma', async (t) => {
  t.equal(toCsv(['a', 'b', 'c', 'd'], [[null, undefined, 0, 10.5]]), `${BOM}a;b;c;d\r\n;;0;10,5\r\n`);
  t.throws(() => toCsv(['a'], [[Number.NaN]]), RangeError);
  t.throws(() => toCsv(['a'], [[Infinity]]), RangeError);
});

t.test('rows must match the headers', async (t) => {
  t.throws(() => toCsv(['a', 'b'], [['1']]), RangeError);
  t.throws(() => toCsv(['a'], [['1', '2']]), RangeError);
});

t.test('formula injection is neutralised', async (t) => {
  const cells = ['=1+1', '+33 6 12 34 56 78', '-2+3', '@SUM(A1:A2)', '\tcaché', '=HYPERLINK("http://x";"clic")'];
  const rows = parse(toCsv(['c'], cells.map((c) => [c]))).slice(1);
  t.same(
    rows.map((r) => r[0]),
    cells.map((c) => `'${c}`),
  );
  t.equal(parse(toCsv(['c'], [['\r=1']]))[1]?.[0], "'\r=1", 'leading CR is quoted and neutralised');
  t.equal(toCsv(['=cmd'], []), `${BOM}'=cmd\r\n`, 'headers too');
});

t.test('plain numbers and decimal-comma amounts stay untouched', async (t) => {
  for (const value of ['-10,50', '+5', '-3', '-0,01', '42', '-1.5', euroCell(-1050)]) {
    t.equal(toCsv(['c'], [[value]]), `${BOM}c\r\n${value}\r\n`, value);
  }
  t.equal(toCsv(['c'], [['-10,50 €']]), `${BOM}c\r\n'-10,50 €\r\n`, 'anything beyond the number is guarded');
});

t.test('euroCell', async (t) => {
  t.equal(euroCell(123456), '1234,56');
  t.equal(euroCell(5), '0,05');
  t.equal(euroCell(-1050), '-10,50');
  t.equal(euroCell(0), '0,00');
  t.throws(() => euroCell(1.5));
});

t.test('property: any table survives a round trip and no cell starts a formula', async (t) => {
  const cell = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'é', ';', '"', '\n', '\r', '=', '+', '-', '@', '\t', '1', ',', ' ') }), fc.constant(null));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(cell, { minLength: n, maxLength: n })))), ([n, rows]) => {
      const headers = Array.from({ length: n }, (_, i) => `col${i}`);
      const csv = toCsv(headers, rows);
      if (!csv.startsWith(BOM)) return false;
      const parsed = parse(csv.slice(1));
      if (parsed.length !== rows.length + 1) return false;
      return rows.every((row, r) =>
        row.every((value, c) => {
          const got = parsed[r + 1]?.[c];
          if (got === undefined) return false;
          const expected = value ?? '';
          const dangerous = /^[=+\-@\t\r]/.test(got) && !/^[+-]?\d+(?:[.,]\d+)?$/.test(got);
          return !dangerous && (got === expected || got === `'${expected}`);
        }),
      );
    }),
  );
  t.pass('no counterexample found');
});

t.test('property: euroCell matches the integer cents', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
      const text = euroCell(cents);
      return /^-?\d+,\d{2}$/.test(text) && Math.round(Number(text.replace(',', '.')) * 100) === cents;
    }),
  );
  t.pass('no counterexample found');
});
