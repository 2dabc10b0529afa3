import t from 'tap';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import type { FecEntry, FecLine } from '../../server/modules/finance/fec.ts';
import { FEC_COLUMNS, FecError, buildFec, encodeFecLatin9, fecFileName } from '../../server/modules/finance/fec.ts';

const HEADER =
  'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise';

const entry = (overrides: Partial<FecEntry> = {}): FecEntry => ({
  journalCode: 'BQ',
  journalLib: 'Banque',
  ecritureNum: 'BQ000001',
  ecritureDate: '2026-02-03',
  pieceRef: 'VIR-2026-02-000001',
  pieceDate: '2026-02-02',
  ecritureLib: 'Règlement commande CMD-42',
  validDate: '2026-02-04',
  lines: [
    { compteNum: '512000', compteLib: 'Banque', debitCents: 123456, creditCents: 0 },
    { compteNum: '411000', compteLib: 'Clients', compAuxNum: 'C0042', compAuxLib: 'Commune de Trifouilly', debitCents: 0, creditCents: 123456 },
  ],
  ...overrides,
});

const records = (fec: string): string[][] => fec.split('\r\n').slice(0, -1).map((l) => l.split('\t'));

t.test('header, column order, dates, decimal comma, CRLF', async (t) => {
  const fec = buildFec([entry()]);
  t.equal(FEC_COLUMNS.join('\t'), HEADER);
  t.equal(
    fec,
    `${HEADER}\r\n` +
      'BQ\tBanque\tBQ000001\t20260203\t512000\tBanque\t\t\tVIR-2026-02-000001\t20260202\tRèglement commande CMD-42\t1234,56\t0,00\t\t\t20260204\t\t\r\n' +
      'BQ\tBanque\tBQ000001\t20260203\t411000\tClients\tC0042\tCommune de Trifouilly\tVIR-2026-02-000001\t20260202\tRèglement commande CMD-42\t0,00\t1234,56\t\t\t20260204\t\t\r\n',
  );
  t.equal(buildFec([]), `${HEADER}\r\n`, 'an empty period still has its header');
});

t.test('tabs and line breaks in labels become spaces', async (t) => {
  const fec = buildFec([entry({ ecritureLib: 'ligne 1\nligne\t2\r\n', lines: entry().lines.map((l) => ({ ...l, compteLib: 'Ban\tque' })) })]);
  for (const record of records(fec)) t.equal(record.length, 18);
  t.equal(records(fec)[1]?.[10], 'ligne 1 ligne 2');
  t.equal(records(fec)[1]?.[5], 'Ban que');
});

t.test('unbalanced entries are refused', async (t) => {
  const lines: FecLine[] = [
    { compteNum: '512000', compteLib: 'Banque', debitCents: 1000, creditCents: 0 },
    { compteNum: '411000', compteLib: 'Clients', debitCents: 0, creditCents: 999 },
  ];
  t.throws(() => buildFec([entry({ lines })]), { name: 'FecError', message: /déséquilibrée : débit 10,00 ≠ crédit 9,99/ });
});

t.test('malformed lines are refused', async (t) => {
  const ok = { compteNum: '411000', compteLib: 'Clients', debitCents: 0, creditCents: 1000 };
  const bad = (line: Partial<FecLine>) => [{ compteNum: '512000', compteLib: 'Banque', debitCents: 1000, creditCents: 0, ...line }, ok];
  t.throws(() => buildFec([entry({ lines: [ok] })]), /deux lignes/);
  t.throws(() => buildFec([entry({ lines: bad({ debitCents: 10.5 }) })]), /montant invalide/);
  t.throws(() => buildFec([entry({ lines: bad({ debitCents: -1000, creditCents: 0 }) })]), /montant invalide/);
  t.throws(() => buildFec([entry({ lines: bad({ debitCents: 1000, creditCents: 1000 }) })]), /soit un débit, soit un crédit/);
  t.throws(() => buildFec([entry({ lines: bad({ debitCents: 0, creditCents: 0 }) })]), /soit un débit, soit un crédit/);
  t.throws(() => buildFec([entry({ lines: bad({ compteNum: 'bank:in_transit' }) })]), /plan comptable/);
  t.throws(() => buildFec([entry({ lines: bad({ compteLib: ' \t ' }) })]), /CompteLib obligatoire/);
});

t.test('missing fields and bad dates are refused', async (t) => {
  t.throws(() => buildFec([entry({ pieceRef: '' })]), /PieceRef obligatoire/);
  t.throws(() => buildFec([entry({ ecritureLib: '\n' })]), /EcritureLib obligatoire/);
  t.throws(() => buildFec([entry({ journalCode: '' })]), /JournalCode obligatoire/);
  t.throws(() => buildFec([entry({ ecritureDate: '2026-02-29' })]), /EcritureDate invalide/);
  t.throws(() => buildFec([entry({ validDate: '20260204' })]), /ValidDate invalide/);
  t.throws(() => buildFec([entry({ pieceDate: '2026-2-4' })]), FecError);
});

t.test('numbering must be continuous per journal', async (t) => {
  const bq = (n: string) => entry({ ecritureNum: n });
  const ve = (n: string) => entry({ journalCode: 'VE', journalLib: 'Ventes', ecritureNum: n });
  t.doesNotThrow(() => buildFec([bq('BQ000041'), ve('VE7'), bq('BQ000042'), ve('VE8'), bq('BQ000043')]));
  t.doesNotThrow(() => buildFec([bq('BQ0999'), bq('BQ1000')]), 'carry into a new digit');
  t.doesNotThrow(() => buildFec([bq('9'), bq('10')]));
  t.throws(() => buildFec([bq('BQ000041'), bq('BQ000043')]), /discontinue, elle devrait suivre BQ000041/);
  t.throws(() => buildFec([bq('BQ000041'), bq('BQ000041')]), /discontinue/, 'duplicates');
  t.throws(() => buildFec([bq('BQ000042'), bq('BQ000041')]), /discontinue/, 'out of order');
  t.throws(() => buildFec([bq('BQ000041'), bq('XX000042')]), /discontinue/, 'prefix change');
  t.throws(() => buildFec([bq('BQ-A')]), /se terminer par un numéro/);
});

t.test('encodeFecLatin9 writes ISO-8859-15', async (t) => {
  const bytes = encodeFecLatin9('€ œ Œ é à ç Ÿ');
  t.same([...bytes], [0xa4, 0x20, 0xbd, 0x20, 0xbc, 0x20, 0xe9, 0x20, 0xe0, 0x20, 0xe7, 0x20, 0xbe]);
  t.same([...encodeFecLatin9('a\tb\r\n')], [0x61, 0x09, 0x62, 0x0d, 0x0a], 'separators kept');
  t.equal(iconv.decode(encodeFecLatin9('L’atelier “numérique” – Łódź… ½ 1\u202f000'), 'iso-8859-15'), 'L\'atelier "numérique" - Lódz... 1/2 1 000');
  t.equal(iconv.decode(encodeFecLatin9('漢 ¤ \u0001'), 'iso-8859-15'), '? ? ?', 'no silent loss of the Latin-1-only sign ¤');
});

t.test('a whole FEC round-trips through Latin-9', async (t) => {
  const fec = buildFec([entry({ ecritureLib: 'Avoir n° 7 — œuvre, 12 €' })]);
  t.equal(iconv.decode(encodeFecLatin9(fec), 'iso-8859-15'), fec.replaceAll('—', '-'));
});

t.test('fecFileName', async (t) => {
  t.equal(fecFileName('542051180', '2026-12-31'), '542051180FEC20261231.txt');
  t.throws(() => fecFileName('542051181', '2026-12-31'), /SIREN invalide/);
  t.throws(() => fecFileName('542051180', '2026-13-31'), /invalide/);
});

/** Random balanced entries over a few journals, numbered continuously per journal and interleaved. */
const arbLines = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 1e10 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 4 }),
    fc.string({ maxLength: 20 }),
  )
  .map(([debits, weights, label]): FecLine[] => {
    const total = debits.reduce((a, b) => a + b, 0);
    const weightSum = weights.reduce((a, b) => a + b, 0);
    const credits = weights.map((w) => Math.floor((total * w) / weightSum));
    credits[0] = (credits[0] ?? 0) + total - credits.reduce((a, b) => a + b, 0);
    return [
      ...debits.map((d, i) => ({ compteNum: '512000', compteLib: `Banque ${i}`, debitCents: d, creditCents: 0 })),
      ...credits.filter((c) => c > 0).map((c) => ({ compteNum: '4011', compteLib: `Fournisseur ${label}`, compAuxNum: label, debitCents: 0, creditCents: c })),
    ];
  });

const arbFec = fc
  .array(fc.tuple(fc.constantFrom('BQ', 'VE', 'OD'), arbLines, fc.string({ maxLength: 30 })), { maxLength: 25 })
  .map((specs) => {
    const next = new Map<string, number>();
    return specs.map(([journal, lines, label]): FecEntry => {
      const n = (next.get(journal) ?? 1000) + 1;
      next.set(journal, n);
      return entry({ journalCode: journal, journalLib: `Journal ${journal}`, ecritureNum: `${journal}${n}`, ecritureLib: `X${label}`, lines });
    });
  });

t.test('property: every entry balances, every record has 18 fields, numbering per journal is preserved', async (t) => {
  fc.assert(
    fc.property(arbFec, (entries) => {
      const rows = records(buildFec(entries));
      if (rows[0]?.join('\t') !== HEADER || rows.some((r) => r.length !== 18)) return false;
      const cents = (s: string | undefined) => Number((s ?? '').replace(',', ''));
      const sums = new Map<string, number>();
      const order = new Map<string, string[]>();
      for (const r of rows.slice(1)) {
        const key = `${r[0]} ${r[2]}`;
        sums.set(key, (sums.get(key) ?? 0) + cents(r[11]) - cents(r[12]));
        const seen = order.get(r[0] ?? '') ?? [];
        if (seen.at(-1) !== r[2]) seen.push(r[2] ?? '');
        order.set(r[0] ?? '', seen);
      }
      const balanced = [...sums.values()].every((s) => s === 0);
      const continuous = [...order.values()].every((nums) => nums.every((n, i) => i === 0 || Number(n.slice(2)) === Number(nums[i - 1]?.slice(2)) + 1));
      const expectedOrder = new Map<string, string[]>();
      for (const e of entries) expectedOrder.set(e.journalCode, [...(expectedOrder.get(e.journalCode) ?? []), e.ecritureNum]);
      const preserved = [...expectedOrder].every(([j, nums]) => JSON.stringify(order.get(j)) === JSON.stringify(nums));
      const lineCount = entries.reduce((a, e) => a + e.lines.length, 0);
      return balanced && continuous && preserved && rows.length === lineCount + 1;
    }),
  );
  t.pass('no counterexample found');
});

t.test('property: any unbalanced entry is refused', async (t) => {
  fc.assert(
    fc.property(arbLines, fc.integer({ min: -1e6, max: 1e6 }).filter((d) => d !== 0), (lines, delta) => {
      const first = lines[0];
      fc.pre(first !== undefined && first.debitCents + delta > 0);
      const skewed = [{ ...first!, debitCents: first!.debitCents + delta }, ...lines.slice(1)];
      try {
        buildFec([entry({ lines: skewed })]);
        return false;
      } catch (error) {
        return error instanceof FecError && /déséquilibrée/.test(error.message);
      }
    }),
  );
  t.pass('no counterexample found');
});

t.test('property: any text keeps the record at 18 fields', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '\t', '\n', '\r', ' ', 'é', '\u2028') }), (label) => {
      const rows = records(buildFec([entry({ ecritureLib: `L${label}`, journalLib: `J${label}`, pieceRef: `P${label}` })]));
      return rows.length === 3 && rows.every((r) => r.length === 18);
    }),
  );
  t.pass('no counterexample found');
});
