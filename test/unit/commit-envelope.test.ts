import t from 'tap';
import { eq } from 'drizzle-orm';
import { migrateDatabase, openDatabase, type Db } from '../../db/client.ts';
import { cofinancingPrograms, programCommitments } from '../../db/schema/programs.ts';
import { commitEnvelope, committedForBuyer, findProgram } from '../../server/modules/programs/programs.service.ts';
import { sumOfCommitments } from '../../server/modules/programs/programs.repository.ts';
import { DomainError } from '../../server/shared/problem.ts';
import { createOrganisation, createProgram } from '../helpers/fixtures.ts';

const AT = '2026-11-25T10:00:00.000Z';

function freshDb(t: { teardown(fn: () => void): void }): Db {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  t.teardown(() => db.$client.close());
  return db;
}

const refusalCode = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};

t.test('a commitment moves the envelope and records one row for the order', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 1_000_000 });
  const row = commitEnvelope(db, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 400_000, at: AT });
  t.match(row, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 400_000, createdAt: AT });
  t.equal(findProgram(db, program.id)?.committedCents, 400_000);
  t.equal(committedForBuyer(db, program.id, buyer.id), 400_000);
});

t.test('an order is committed at most once', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 1_000_000 });
  commitEnvelope(db, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 100, at: AT });
  t.equal(refusalCode(() => commitEnvelope(db, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 100, at: AT })), 'cofinancing_already_committed');
  t.equal(findProgram(db, program.id)?.committedCents, 100);
});

t.test('a commitment larger than what remains is refused and writes nothing', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 1_000_000 });
  commitEnvelope(db, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 999_000, at: AT });
  t.equal(
    refusalCode(() => commitEnvelope(db, { programId: program.id, orderId: 'o2', buyerId: buyer.id, amountCents: 1_001, at: AT })),
    'cofinancing_envelope_exhausted',
  );
  t.equal(findProgram(db, program.id)?.committedCents, 999_000);
  t.equal(db.select().from(programCommitments).all().length, 1);
  // Exactly what remains is fine: the envelope may be spent to the cent.
  commitEnvelope(db, { programId: program.id, orderId: 'o3', buyerId: buyer.id, amountCents: 1_000, at: AT });
  t.equal(findProgram(db, program.id)?.committedCents, 1_000_000);
});

t.test('the per-buyer cap is enforced per buyer, and a refusal writes nothing', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const other = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 10_000_000, perBuyerCapCents: 1_500_000 });
  commitEnvelope(db, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 1_000_000, at: AT });
  let refusal: DomainError | undefined;
  try {
    commitEnvelope(db, { programId: program.id, orderId: 'o2', buyerId: buyer.id, amountCents: 500_001, at: AT });
  } catch (error) {
    refusal = error as DomainError;
  }
  t.equal(refusal?.code, 'cofinancing_buyer_cap_reached');
  t.equal(refusal?.status, 422);
  t.match(refusal?.extra, { perBuyerCapCents: 1_500_000, committedForBuyerCents: 1_000_000, requestedCents: 500_001 });
  t.equal(findProgram(db, program.id)?.committedCents, 1_000_000);
  t.equal(db.select().from(programCommitments).all().length, 1);
  // Another buyer has its own cap.
  commitEnvelope(db, { programId: program.id, orderId: 'o3', buyerId: other.id, amountCents: 1_500_000, at: AT });
  commitEnvelope(db, { programId: program.id, orderId: 'o4', buyerId: buyer.id, amountCents: 500_000, at: AT });
  t.equal(committedForBuyer(db, program.id, buyer.id), 1_500_000);
  t.equal(committedForBuyer(db, program.id, other.id), 1_500_000);
});

t.test('a refusal inside a caller’s transaction leaves that transaction’s own writes intact and adds nothing', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 1_000 });
  const small = createProgram(db, { envelopeCents: 10 });
  db.transaction((tx) => {
    commitEnvelope(tx, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 600, at: AT });
    // The caller decides to carry on without co-financing: the savepoint undid the refused attempt.
    t.equal(refusalCode(() => commitEnvelope(tx, { programId: small.id, orderId: 'o2', buyerId: buyer.id, amountCents: 11, at: AT })), 'cofinancing_envelope_exhausted');
  });
  t.equal(findProgram(db, program.id)?.committedCents, 600);
  t.equal(findProgram(db, small.id)?.committedCents, 0);
  t.equal(db.select().from(programCommitments).all().length, 1);
});

t.test('a refusal rolls back with the caller’s transaction when the caller lets it propagate', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db, { envelopeCents: 1_000 });
  t.throws(() =>
    db.transaction((tx) => {
      commitEnvelope(tx, { programId: program.id, orderId: 'o1', buyerId: buyer.id, amountCents: 600, at: AT });
      commitEnvelope(tx, { programId: program.id, orderId: 'o2', buyerId: buyer.id, amountCents: 600, at: AT });
    }),
  );
  t.equal(findProgram(db, program.id)?.committedCents, 0, 'the whole approval is undone');
  t.equal(db.select().from(programCommitments).all().length, 0);
});

t.test('many approvals against a small envelope never exceed it; committed equals the sum of commitments', async (t) => {
  const db = freshDb(t);
  const buyers = Array.from({ length: 5 }, () => createOrganisation(db, { kind: 'buyer' }));
  const program = createProgram(db, { envelopeCents: 100_000, perBuyerCapCents: 30_000 });
  let accepted = 0;
  const refusals = new Map<string, number>();
  // A deterministic pseudo-random sequence of amounts, interleaving buyers.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 300; i++) {
    const amountCents = 1 + (next() % 9_000);
    const buyer = buyers[next() % buyers.length]!;
    const code = refusalCode(() => commitEnvelope(db, { programId: program.id, orderId: `o${i}`, buyerId: buyer.id, amountCents, at: AT }));
    if (code === undefined) accepted++;
    else refusals.set(code, (refusals.get(code) ?? 0) + 1);
    const state = findProgram(db, program.id)!;
    if (state.committedCents > state.envelopeCents) t.fail(`over-committed at step ${i}`);
  }
  const state = findProgram(db, program.id)!;
  t.ok(state.committedCents <= state.envelopeCents, `committed ${state.committedCents} ≤ envelope ${state.envelopeCents}`);
  t.equal(state.committedCents, sumOfCommitments(db, program.id), 'committed equals the sum of commitment rows');
  t.equal(db.select().from(programCommitments).where(eq(programCommitments.programId, program.id)).all().length, accepted);
  t.ok(refusals.get('cofinancing_envelope_exhausted'), 'the envelope ran out');
  for (const buyer of buyers) t.ok(committedForBuyer(db, program.id, buyer.id) <= 30_000, 'no buyer above its cap');
});

t.test('the database itself refuses a committed amount above the envelope', async (t) => {
  const db = freshDb(t);
  const program = createProgram(db, { envelopeCents: 1_000 });
  t.throws(() => db.update(cofinancingPrograms).set({ committedCents: 1_001 }).where(eq(cofinancingPrograms.id, program.id)).run(), /CHECK constraint/);
  t.throws(() => db.update(cofinancingPrograms).set({ committedCents: -1 }).where(eq(cofinancingPrograms.id, program.id)).run(), /CHECK constraint/);
});

t.test('a non-positive or fractional amount is a programming error', async (t) => {
  const db = freshDb(t);
  const buyer = createOrganisation(db, { kind: 'buyer' });
  const program = createProgram(db);
  for (const amountCents of [0, -5, 1.5]) {
    t.throws(() => commitEnvelope(db, { programId: program.id, orderId: 'o', buyerId: buyer.id, amountCents, at: AT }), RangeError);
  }
  t.equal(refusalCode(() => commitEnvelope(db, { programId: 'inconnu', orderId: 'o', buyerId: buyer.id, amountCents: 1, at: AT })), 'cofinancing_program_not_found');
});
