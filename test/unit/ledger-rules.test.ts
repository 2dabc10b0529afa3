import t from 'tap';
import fc from 'fast-check';
import { ACCOUNT_TYPES, accountTypeOf, canonicalJson, checkedText, entryHash, GENESIS_HASH, isCalendarDate, normaliseLines, sameLines, swapSides, type HashedEntry } from '../../server/modules/finance/ledger.rules.ts';

// The journal's pure rules, called directly: no database, no clock. What they do once wired into
// postEntry (nothing written on a refusal, the chain, the balances) is tested in ledger.test.ts.

t.test('property: canonicalJson is the sorted-key JSON the chained hashes were computed with', async (t) => {
  // The first implementation, kept as the reference: hashes already in a journal depend on these bytes.
  const reference = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    }
    return JSON.stringify(value);
  };
  fc.assert(
    fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.option(fc.integer(), { nil: undefined })), (json, withUndefined) => {
      t.equal(canonicalJson(json), reference(json));
      t.equal(canonicalJson(withUndefined), reference(withUndefined));
    }),
    { numRuns: 300 },
  );
  t.equal(canonicalJson({ b: 1, a: [{ d: null, c: 'é' }], u: undefined }), '{"a":[{"c":"é","d":null}],"b":1}');
});

t.test('the chart of accounts: known patterns only, with their normal sides', async (t) => {
  t.match(accountTypeOf('buyer:0b7e-12:receivable'), { id: '0b7e-12', type: { normalSide: 'debit', allowNegative: false } });
  t.match(accountTypeOf('place:abc:payable'), { type: { normalSide: 'credit' } });
  t.match(accountTypeOf('bank'), { type: { allowNegative: true } });
  t.equal(accountTypeOf('buyer::receivable'), undefined);
  t.equal(accountTypeOf('buyer:a:b:receivable'), undefined);
  t.equal(accountTypeOf('bank:'), undefined);
});

t.test('the chart of accounts: a code matches whole, an id is 1 to 64 plain characters, only the bank may go negative', async (t) => {
  for (const code of ['xbank', 'bank ', ' bank', 'BANK', 'passes:outstandin', 'vat:collected:', 'fees']) t.equal(accountTypeOf(code), undefined, code);
  t.match(accountTypeOf(`place:${'a'.repeat(64)}:payable`), { id: 'a'.repeat(64) });
  t.equal(accountTypeOf(`place:${'a'.repeat(65)}:payable`), undefined, 'an id of 65 characters');
  t.equal(accountTypeOf('place:-abc:payable'), undefined, 'an id starts with a letter or a digit');
  t.equal(accountTypeOf('place:a b:payable'), undefined, 'an id has no space');
  t.equal(accountTypeOf('place:é:payable'), undefined, 'an id is ASCII');
  t.same(
    ACCOUNT_TYPES.filter((type) => type.allowNegative).map((type) => type.pattern),
    ['bank'],
  );
  t.equal(accountTypeOf('program:p-7:credit_note')?.type.name('p-7'), 'Avoir État — programme p-7', 'the default name names the id');
});

t.test('normaliseLines: each refusal has its stable code and names the line and the value', async (t) => {
  const debit = { account: 'passes:outstanding', debitCents: 1000 };
  const credit = { account: 'place:p1:payable', creditCents: 1000 };
  t.throws(() => normaliseLines([debit]), { code: 'ledger_too_few_lines' });
  t.throws(() => normaliseLines([]), { code: 'ledger_too_few_lines' });
  t.throws(() => normaliseLines([debit, { ...credit, debitCents: 5 }]), { code: 'ledger_line_one_side', message: /ligne 2/ }, 'both sides');
  t.throws(() => normaliseLines([debit, { account: 'bank' }]), { code: 'ledger_line_one_side', message: /ligne 2/ }, 'neither side');
  t.throws(() => normaliseLines([{ ...debit, debitCents: 0 }, credit]), { code: 'ledger_line_one_side', message: /ligne 1/ }, 'a zero is no side');
  t.throws(() => normaliseLines([{ ...debit, debitCents: 10.5 }, credit]), { code: 'ledger_invalid_amount', message: /ligne 1 : montant 10\.5/ });
  t.throws(() => normaliseLines([debit, { ...credit, creditCents: -1000 }]), { code: 'ledger_invalid_amount', message: /ligne 2 : montant -1000/ });
  t.throws(() => normaliseLines([{ ...debit, debitCents: 2 ** 53 }, credit]), { code: 'ledger_invalid_amount' }, 'beyond a safe integer');
  t.throws(() => normaliseLines([debit, { ...credit, account: 'cash' }]), { code: 'ledger_unknown_account', message: /ligne 2 : compte « cash »/ });
});

t.test('normaliseLines: the missing side becomes 0 and a name is kept only when given', async (t) => {
  t.same(normaliseLines([{ account: 'bank', debitCents: 250, name: 'Banque de France' }, { account: 'fees:revenue', creditCents: 250 }]), [
    { account: 'bank', debitCents: 250, creditCents: 0, name: 'Banque de France' },
    { account: 'fees:revenue', debitCents: 0, creditCents: 250 },
  ]);
  t.notOk('name' in normaliseLines([{ account: 'bank', debitCents: 1, name: '' }, { account: 'fees:revenue', creditCents: 1 }])[0]!);
});

t.test('isCalendarDate: a day that exists, written YYYY-MM-DD', async (t) => {
  for (const day of ['2026-02-28', '2028-02-29', '2000-02-29', '2026-04-30', '2026-12-31']) t.ok(isCalendarDate(day), day);
  for (const day of ['2026-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', '2026-01-01T00:00', '']) {
    t.notOk(isCalendarDate(day), day);
  }
});

t.test('checkedText: not blank, at most the given length', async (t) => {
  t.equal(checkedText('a'.repeat(200), 'label', 200), 'a'.repeat(200));
  t.throws(() => checkedText('a'.repeat(201), 'label', 200), { code: 'ledger_invalid_field', message: /label .*200 caractères/ });
  t.throws(() => checkedText('   ', 'refId', 100), { code: 'ledger_invalid_field', message: /refId/ });
  t.throws(() => checkedText('', 'refId', 100), { code: 'ledger_invalid_field' });
});

const entry = (over: Partial<HashedEntry> = {}): HashedEntry => ({
  id: 'e1',
  seq: 1,
  kind: 'redemption',
  refType: 'redemption',
  refId: 'r1',
  label: 'Encaissement r1',
  valueDate: '2026-11-25',
  postedAt: '2026-11-25T10:00:00.000Z',
  idempotencyKey: 'redemption:r1',
  reversesEntryId: null,
  lines: [
    { account: 'passes:outstanding', debitCents: 1000, creditCents: 0 },
    { account: 'place:p1:payable', debitCents: 0, creditCents: 1000 },
  ],
  ...over,
});

t.test('entryHash: the order lines were listed in and their names do not count; every other field and the previous hash do', async (t) => {
  const hash = entryHash(GENESIS_HASH, entry());
  t.match(hash, /^[0-9a-f]{64}$/);
  t.equal(GENESIS_HASH, '0'.repeat(64));
  t.equal(entryHash(GENESIS_HASH, entry({ lines: [...entry().lines].reverse() })), hash, 'lines in another order');
  const named = entry().lines.map((line) => ({ ...line, name: 'Dette envers l’EPN' }));
  t.equal(entryHash(GENESIS_HASH, entry({ lines: named })), hash, 'a name given with a line');
  t.not(entryHash('1'.repeat(64), entry()), hash, 'another previous hash');
  const changed: Partial<HashedEntry>[] = [
    { id: 'e2' },
    { seq: 2 },
    { kind: 'redemption_cancelled' },
    { refType: 'order' },
    { refId: 'r2' },
    { label: 'Encaissement r2' },
    { valueDate: '2026-11-26' },
    { postedAt: '2026-11-25T10:00:00.001Z' },
    { idempotencyKey: 'redemption:r2' },
    { reversesEntryId: 'e0' },
    { lines: swapSides(entry().lines) },
    { lines: entry().lines.map((line) => ({ ...line, debitCents: line.debitCents && 999, creditCents: line.creditCents && 999 })) },
  ];
  for (const over of changed) t.not(entryHash(GENESIS_HASH, entry(over)), hash, Object.keys(over)[0]!);
});

t.test('sameLines compares lines in any order; swapSides is the mirror image a reversal posts', async (t) => {
  const lines = entry().lines;
  t.ok(sameLines(lines, [...lines].reverse()));
  t.notOk(sameLines(lines, swapSides(lines)));
  t.ok(sameLines(swapSides(swapSides(lines)), lines));
  t.same(swapSides(lines), [
    { account: 'passes:outstanding', debitCents: 0, creditCents: 1000 },
    { account: 'place:p1:payable', debitCents: 1000, creditCents: 0 },
  ]);
  t.notOk(sameLines(lines, lines.slice(0, 1)), 'a missing line');
  t.notOk(sameLines(lines, [...lines, { account: 'bank', debitCents: 1, creditCents: 0 }]), 'an extra line');
});
