import t from 'tap';
import fc from 'fast-check';
import { migrateDatabase, openDatabase, type Db } from '../../db/client.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { twoLineEntry } from '../helpers/journal-entries.ts';
import {
  accountBalances,
  balanceOf,
  entryHash,
  GENESIS_HASH,
  postEntry,
  reverseEntry,
  trialBalance,
  verifyBalances,
  verifyChain,
  type PostEntryInput,
  type ReverseEntryInput,
} from '../../server/modules/finance/ledger.ts';

const BUYER = 'b1';
const PLACE = 'p1';
const PROGRAM = 'prog1';

function freshDb(t: { teardown(fn: () => unknown): void }): Db {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  return db;
}

const post = (db: Db, clock: ManualClock, input: PostEntryInput) =>
  db.transaction((tx) => postEntry(tx, clock, input), { behavior: 'immediate' });
const reverse = (db: Db, clock: ManualClock, input: ReverseEntryInput) =>
  db.transaction((tx) => reverseEntry(tx, clock, input), { behavior: 'immediate' });

const count = (db: Db, table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** An approved order of 100 €: 60 € owed by the buyer, 40 € by the State, 100 € of passes in circulation. */
const orderApproved = (key = 'order:o1:approved'): PostEntryInput => ({
  kind: 'order_approved',
  refType: 'order',
  refId: 'o1',
  label: 'Commande o1 validée',
  idempotencyKey: key,
  lines: [
    { account: `buyer:${BUYER}:receivable`, debitCents: 6000 },
    { account: `program:${PROGRAM}:receivable`, debitCents: 4000 },
    { account: 'passes:outstanding', creditCents: 10000 },
  ],
});

const redemption = (id: string, cents = 2000): PostEntryInput => ({
  kind: 'redemption',
  refType: 'redemption',
  refId: id,
  label: `Encaissement ${id}`,
  idempotencyKey: `redemption:${id}`,
  lines: [
    { account: 'passes:outstanding', debitCents: cents },
    { account: `place:${PLACE}:payable`, creditCents: cents },
  ],
});

t.test('a balanced entry is posted with seq 1, the Paris value date and accounts created on first use', async (t) => {
  const db = freshDb(t);
  // 23:30 UTC on 31 January is already 1 February in Paris.
  const clock = new ManualClock('2026-01-31T23:30:00Z');
  const posted = post(db, clock, orderApproved());
  t.same({ seq: posted.seq, alreadyPosted: posted.alreadyPosted }, { seq: 1, alreadyPosted: false });
  const entry = db.$client.prepare('SELECT * FROM journal_entries').get() as Record<string, unknown>;
  t.equal(entry.value_date, '2026-02-01');
  t.equal(entry.posted_at, '2026-01-31T23:30:00.000Z');
  t.equal(entry.prev_hash, GENESIS_HASH);
  t.equal(balanceOf(db, `buyer:${BUYER}:receivable`), 6000);
  t.equal(balanceOf(db, 'passes:outstanding'), -10000, 'debit minus credit');
  t.equal(balanceOf(db, 'bank'), 0, 'an account never used has a zero balance');
  const accounts = accountBalances(db);
  t.same(
    accounts.map((a) => [a.code, a.normalSide, a.allowNegative]),
    [
      [`buyer:${BUYER}:receivable`, 'debit', false],
      ['passes:outstanding', 'credit', false],
      [`program:${PROGRAM}:receivable`, 'debit', false],
    ],
  );
  t.equal(accounts[0]!.name, `Créance commanditaire ${BUYER}`);
  t.same(trialBalance(db), { debitCents: 10000, creditCents: 10000, balanced: true });
});

t.test('a caller-given name is used when the entry creates the account', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const input = orderApproved();
  input.lines[0]!.name = 'Créance commanditaire Département de test';
  post(db, clock, input);
  t.equal(accountBalances(db, { prefix: 'buyer:' })[0]!.name, 'Créance commanditaire Département de test');
});

t.test('an unbalanced entry is refused and its transaction leaves nothing behind', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  t.throws(
    () =>
      db.transaction(
        (tx) => {
          postEntry(tx, clock, orderApproved());
          postEntry(tx, clock, {
            ...redemption('r1'),
            lines: [
              { account: 'passes:outstanding', debitCents: 2000 },
              { account: `place:${PLACE}:payable`, creditCents: 1999 },
            ],
          });
        },
        { behavior: 'immediate' },
      ),
    { code: 'ledger_unbalanced', status: 422 },
  );
  t.equal(count(db, 'journal_entries'), 0);
  t.equal(count(db, 'journal_lines'), 0);
  t.equal(count(db, 'ledger_accounts'), 0);
});

t.test('malformed entries are refused with stable codes', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const base = redemption('r1');
  t.throws(() => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: 100 }] }), { code: 'ledger_too_few_lines' });
  t.throws(() => post(db, clock, { ...base, lines: [] }), { code: 'ledger_too_few_lines' });
  t.throws(
    () => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: 100, creditCents: 100 }, { account: 'bank:in_transit', creditCents: 0, debitCents: 0 }] }),
    { code: 'ledger_line_one_side' },
    'a line with both sides',
  );
  t.throws(
    () => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: 100 }, { account: 'bank:in_transit' }] }),
    { code: 'ledger_line_one_side' },
    'a line with neither side',
  );
  t.throws(() => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: 10.5 }, { account: 'vat:collected', creditCents: 10.5 }] }), { code: 'ledger_invalid_amount' });
  t.throws(() => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: -100 }, { account: 'vat:collected', creditCents: -100 }] }), { code: 'ledger_invalid_amount' });
  t.throws(() => post(db, clock, { ...base, lines: [{ account: 'bank', debitCents: 100 }, { account: 'cash', creditCents: 100 }] }), { code: 'ledger_unknown_account' });
  t.throws(() => post(db, clock, { ...base, valueDate: '2026-13-01' }), { code: 'ledger_invalid_value_date' });
  t.throws(() => post(db, clock, { ...base, valueDate: '2026-02-30' }), { code: 'ledger_invalid_value_date' });
  t.throws(() => post(db, clock, { ...base, kind: 'Redemption!' }), { code: 'ledger_invalid_field' });
  t.equal(count(db, 'journal_entries'), 0);
  const fee = { ...base, lines: [{ account: 'bank', debitCents: 100 }, { account: 'fees:revenue', creditCents: 100 }] };
  post(db, clock, { ...fee, valueDate: '2026-02-28' });
  t.throws(() => post(db, clock, { ...fee, idempotencyKey: 'fee:2', valueDate: '2026-02-29' }), { code: 'ledger_invalid_value_date' }, 'after a valid date, a bad one is still refused');
});

t.test('an account that may not go negative refuses an entry that would overdraw it; the bank may', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  t.throws(() => post(db, clock, redemption('r1')), { code: 'ledger_negative_balance' }, 'no passes are outstanding yet');
  post(db, clock, orderApproved());
  post(db, clock, redemption('r1', 10000));
  t.throws(() => post(db, clock, redemption('r2', 1)), { code: 'ledger_negative_balance' }, 'every pass is already redeemed');
  const paid = post(db, clock, {
    kind: 'batch_paid',
    refType: 'batch',
    refId: 'b1',
    label: 'Virement confirmé',
    idempotencyKey: 'batch:b1:paid',
    lines: [
      { account: `place:${PLACE}:payable`, debitCents: 10000 },
      { account: 'bank', creditCents: 10000 },
    ],
  });
  t.equal(paid.seq, 3);
  t.equal(balanceOf(db, 'bank'), -10000, 'the bank is allowed below zero');
});

t.test('the database itself refuses running totals that overdraw a non-negative account', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  const sqlite = db.$client;
  t.throws(
    () => sqlite.prepare("UPDATE ledger_accounts SET debit_total_cents = debit_total_cents + 10001 WHERE code = 'passes:outstanding'").run(),
    /ledger_negative_balance/,
  );
  post(db, clock, twoLineEntry({ kind: 'refund', refType: 'order', refId: 'o1', label: 'Remboursement', idempotencyKey: 'refund', debit: 'passes:outstanding', credit: 'bank', cents: 100 }));
  t.throws(
    () => sqlite.prepare("UPDATE ledger_accounts SET allow_negative = 0 WHERE code = 'bank'").run(),
    /ledger_negative_balance/,
    'an overdrawn account cannot be switched to non-negative',
  );
});

t.test('running totals that drift from the lines are reported by verifyBalances', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  t.same(verifyBalances(db), { ok: true, accounts: 3, mismatches: [] });
  db.$client.prepare("UPDATE ledger_accounts SET debit_total_cents = debit_total_cents + 1 WHERE code LIKE 'buyer:%'").run();
  t.same(verifyBalances(db).mismatches, [
    { code: `buyer:${BUYER}:receivable`, storedDebitCents: 6001, storedCreditCents: 0, linesDebitCents: 6000, linesCreditCents: 0 },
  ]);
});

t.test('an idempotent replay returns the first entry; the same key with other lines is a conflict', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const first = post(db, clock, orderApproved());
  clock.advance(60_000);
  const again = post(db, clock, { ...orderApproved(), lines: [...orderApproved().lines].reverse(), label: 'autre libellé' });
  t.same(again, { entryId: first.entryId, seq: 1, alreadyPosted: true }, 'line order and label do not matter');
  t.equal(count(db, 'journal_entries'), 1);
  const other = orderApproved();
  other.lines = [
    { account: `buyer:${BUYER}:receivable`, debitCents: 6001 },
    { account: `program:${PROGRAM}:receivable`, debitCents: 3999 },
    { account: 'passes:outstanding', creditCents: 10000 },
  ];
  t.throws(() => post(db, clock, other), { code: 'idempotency_key_reused', status: 409 });
  t.throws(() => post(db, clock, { ...orderApproved(), refId: 'o2' }), { code: 'idempotency_key_reused' });
});

t.test('an entry is reversed once, by its mirror image, and a reversal is never reversed', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  const redeemed = post(db, clock, redemption('r1'));
  const input = { entryId: redeemed.entryId, kind: 'redemption_cancelled', idempotencyKey: 'redemption:r1:cancelled', label: 'Annulation r1' };
  const reversal = reverse(db, clock, input);
  t.equal(reversal.seq, 3);
  t.equal(balanceOf(db, `place:${PLACE}:payable`), 0);
  t.equal(balanceOf(db, 'passes:outstanding'), -10000);
  const row = db.$client.prepare('SELECT ref_type, ref_id, reverses_entry_id FROM journal_entries WHERE id = ?').get(reversal.entryId);
  t.same(row, { ref_type: 'redemption', ref_id: 'r1', reverses_entry_id: redeemed.entryId });

  t.same(reverse(db, clock, input), { ...reversal, alreadyPosted: true }, 'replaying the same reversal is idempotent');
  t.throws(() => reverse(db, clock, { ...input, idempotencyKey: 'redemption:r1:cancelled-again' }), { code: 'entry_already_reversed', status: 409 });
  t.throws(() => reverse(db, clock, { ...input, entryId: reversal.entryId, idempotencyKey: 'x' }), { code: 'ledger_reversal_of_reversal' });
  t.throws(() => reverse(db, clock, { ...input, entryId: 'missing', idempotencyKey: 'y' }), { code: 'ledger_entry_not_found', status: 404 });

  const second = post(db, clock, redemption('r2'));
  t.throws(
    () => post(db, clock, { ...redemption('r2'), idempotencyKey: 'fake-reversal', reversesEntryId: second.entryId }),
    { code: 'ledger_reversal_mismatch' },
    'a "reversal" must mirror the original',
  );
});

t.test('journal rows cannot be updated or deleted', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  const sqlite = db.$client;
  t.throws(() => sqlite.prepare("UPDATE journal_entries SET label = 'x'").run(), /append-only/);
  t.throws(() => sqlite.prepare('DELETE FROM journal_entries').run(), /append-only/);
  t.throws(() => sqlite.prepare('UPDATE journal_lines SET debit_cents = debit_cents + 1 WHERE debit_cents > 0').run(), /append-only/);
  t.throws(() => sqlite.prepare('DELETE FROM journal_lines').run(), /append-only/);
  t.throws(() => sqlite.prepare("UPDATE ledger_accounts SET code = 'bank'").run(), /immutable/);
  sqlite.prepare("UPDATE ledger_accounts SET name = 'Créance commanditaire renommée' WHERE code LIKE 'buyer:%'").run();
  t.throws(
    () => sqlite.prepare("INSERT INTO journal_lines (entry_id, account_id, debit_cents, credit_cents) SELECT entry_id, account_id, 5, 5 FROM journal_lines LIMIT 1").run(),
    /CHECK constraint/,
    'the database itself refuses a line with both sides',
  );
  t.ok(verifyChain(db).ok, 'renaming an account does not break the chain');
});

t.test('verifyChain finds an amount edited behind the triggers’ back, at its seq', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  const second = post(db, clock, redemption('r1'));
  post(db, clock, redemption('r2'));
  t.same(verifyChain(db), { ok: true, entries: 3, lastSeq: 3, lastHash: (db.$client.prepare('SELECT hash FROM journal_entries WHERE seq = 3').get() as { hash: string }).hash });

  db.$client.exec('DROP TRIGGER journal_lines_no_update');
  db.$client.prepare('UPDATE journal_lines SET debit_cents = 1500 WHERE entry_id = ? AND debit_cents > 0').run(second.entryId);
  db.$client.prepare('UPDATE journal_lines SET credit_cents = 1500 WHERE entry_id = ? AND credit_cents > 0').run(second.entryId);
  const verdict = verifyChain(db);
  t.match(verdict, { ok: false, brokenAtSeq: 2, reason: 'hash_mismatch' });
});

t.test('verifyChain finds a rewritten hash (next link broken) and a deleted entry (gap)', async (t) => {
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  post(db, clock, redemption('r1'));
  post(db, clock, redemption('r2'));
  post(db, clock, redemption('r3'));
  db.$client.exec('DROP TRIGGER journal_entries_no_update; DROP TRIGGER journal_entries_no_delete; DROP TRIGGER journal_lines_no_delete');
  // A forger who recomputes the hash of entry 2 after changing its label still breaks entry 3's link.
  const row2 = db.$client.prepare('SELECT * FROM journal_entries WHERE seq = 2').get() as Record<string, string>;
  const lines2 = db.$client
    .prepare('SELECT a.code AS account, l.debit_cents AS debitCents, l.credit_cents AS creditCents FROM journal_lines l JOIN ledger_accounts a ON a.id = l.account_id WHERE l.entry_id = ?')
    .all(row2.id) as { account: string; debitCents: number; creditCents: number }[];
  const forged = entryHash(row2.prev_hash!, {
    id: row2.id!,
    seq: 2,
    kind: row2.kind!,
    refType: row2.ref_type!,
    refId: row2.ref_id!,
    label: 'libellé falsifié',
    valueDate: row2.value_date!,
    postedAt: row2.posted_at!,
    idempotencyKey: row2.idempotency_key!,
    reversesEntryId: null,
    lines: lines2,
  });
  db.$client.prepare("UPDATE journal_entries SET label = 'libellé falsifié', hash = ? WHERE seq = 2").run(forged);
  t.match(verifyChain(db), { ok: false, brokenAtSeq: 3, reason: 'prev_hash_mismatch' });

  const fresh = freshDb(t);
  post(fresh, clock, orderApproved());
  const r1 = post(fresh, clock, redemption('r1'));
  post(fresh, clock, redemption('r2'));
  fresh.$client.exec('DROP TRIGGER journal_entries_no_delete; DROP TRIGGER journal_lines_no_delete');
  fresh.$client.prepare('DELETE FROM journal_lines WHERE entry_id = ?').run(r1.entryId);
  fresh.$client.prepare('DELETE FROM journal_entries WHERE id = ?').run(r1.entryId);
  t.match(verifyChain(fresh), { ok: false, brokenAtSeq: 3, reason: 'seq_gap' });
});

t.test('property: any sequence of balanced entries keeps the trial balance at zero and balances equal their lines', async (t) => {
  const accounts = [
    'bank',
    'bank:in_transit',
    `buyer:${BUYER}:receivable`,
    `program:${PROGRAM}:receivable`,
    'passes:outstanding',
    `place:${PLACE}:payable`,
    `buyer:${BUYER}:credit_note`,
    'fees:revenue',
    'vat:collected',
  ];
  const anyAccount = fc.constantFrom(...accounts);
  // Biased towards movements an account accepts (debit the bank, credit a credit-normal account) so that
  // most entries go through, while the others exercise the refusal path.
  const creditAccount = fc.oneof({ arbitrary: fc.constantFrom('bank', 'passes:outstanding', `place:${PLACE}:payable`, 'fees:revenue', 'vat:collected'), weight: 3 }, { arbitrary: anyAccount, weight: 1 });
  const debitAccount = fc.oneof({ arbitrary: fc.constant('bank'), weight: 2 }, { arbitrary: anyAccount, weight: 1 });
  const side = fc.record({ account: creditAccount, cents: fc.integer({ min: 1, max: 1_000_000 }) });
  // An entry: some credit lines, and debit lines that split the same total (so it always balances).
  const entry = fc.record({
    credits: fc.array(side, { minLength: 1, maxLength: 4 }),
    debitAccounts: fc.array(debitAccount, { minLength: 1, maxLength: 3 }),
  });

  let tried = 0;
  let acceptedOverall = 0;
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 25 }), (entries) => {
      const db = openDatabase(':memory:');
      try {
        migrateDatabase(db);
        const clock = new ManualClock('2026-03-01T10:00:00Z');
        const model = new Map<string, number>();
        let accepted = 0;
        entries.forEach((e, i) => {
          const total = e.credits.reduce((s, c) => s + c.cents, 0);
          const debits = e.debitAccounts.map((account, j) => ({
            account,
            debitCents: j === 0 ? total - Math.floor(total / e.debitAccounts.length) * (e.debitAccounts.length - 1) : Math.floor(total / e.debitAccounts.length),
          }));
          const lines = [...debits.filter((d) => d.debitCents > 0), ...e.credits.map((c) => ({ account: c.account, creditCents: c.cents }))];
          if (lines.length < 2) return;
          tried += 1;
          try {
            post(db, clock, { kind: 'test', refType: 'test', refId: String(i), label: `e${i}`, idempotencyKey: `k${i}`, lines });
          } catch (error) {
            if ((error as { code?: string }).code === 'ledger_negative_balance') return;
            throw error;
          }
          accepted += 1;
          acceptedOverall += 1;
          for (const l of lines) {
            model.set(l.account, (model.get(l.account) ?? 0) + ('debitCents' in l ? l.debitCents : -l.creditCents));
          }
        });
        const tb = trialBalance(db);
        if (!tb.balanced || tb.debitCents !== tb.creditCents) return false;
        const rebuilt = new Map(
          (
            db.$client
              .prepare('SELECT a.code, sum(l.debit_cents) - sum(l.credit_cents) AS balance FROM journal_lines l JOIN ledger_accounts a ON a.id = l.account_id GROUP BY a.code')
              .all() as { code: string; balance: number }[]
          ).map((r) => [r.code, r.balance]),
        );
        const balances = accountBalances(db);
        if (balances.reduce((s, b) => s + b.balanceCents, 0) !== 0) return false;
        for (const b of balances) {
          if (b.balanceCents !== (rebuilt.get(b.code) ?? 0) || b.balanceCents !== (model.get(b.code) ?? 0)) return false;
          if (b.balanceCents !== balanceOf(db, b.code)) return false;
          const normal = b.normalSide === 'debit' ? b.balanceCents : -b.balanceCents;
          if (!b.allowNegative && normal < 0) return false;
        }
        if (!verifyBalances(db).ok) return false;
        const chain = verifyChain(db);
        return chain.ok && chain.entries === accepted;
      } finally {
        db.$client.close();
      }
    }),
    { numRuns: 60 },
  );
  t.ok(acceptedOverall > tried / 4, `enough entries went through to mean something (${acceptedOverall} of ${tried})`);
});

t.test('the ledger:verify report says whether the journal is intact', async (t) => {
  const { ledgerReport } = await import('../../scripts/ledger-verify.ts');
  const db = freshDb(t);
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  post(db, clock, orderApproved());
  post(db, clock, redemption('r1'));
  const good = ledgerReport(db);
  t.equal(good.ok, true);
  t.match(good.text, /Chaînage : correct \(2 écritures\)/);
  t.match(good.text, /Balance : équilibrée/);
  t.match(good.text, /Résultat : journal intègre/);
  db.$client.exec("DROP TRIGGER journal_entries_no_update; UPDATE journal_entries SET value_date = '2026-02-28' WHERE seq = 1");
  const bad = ledgerReport(db);
  t.equal(bad.ok, false);
  t.match(bad.text, /ROMPU à l’écriture n° 1/);
});
