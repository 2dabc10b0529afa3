import { withLock } from '../../../db/locks.ts';
import { inWriteTransaction, type Db, type DbOrTx } from '../../../db/client.ts';
import type { ProgramStatus } from '../../../db/schema/programs.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  addToCommitted,
  closeOpenProgram,
  committedForBuyer,
  findCommitmentForOrder,
  findProgram,
  insertCommitment,
  insertProgram,
  insertRelease,
  listPrograms,
  moveCommittedToReleased,
  releasedForOrder,
  updateProgramWithinCommitted,
  type ProgramCommitmentRow,
  type ProgramReleaseRow,
  type ProgramRow,
} from './programs.repository.ts';
import {
  buyerCapReached,
  cofinancingAlreadyCommitted,
  envelopeBelowCommitted,
  envelopeExhausted,
  nothingCommitted,
  programAlreadyClosed,
  programClosed,
  programNotFound,
  programPayerMissing,
  programValuesInvalid,
  releaseExceedsCommitment,
} from './programs.errors.ts';
import { payerGaps, programConsistencyIssues, type CreateProgramInput, type ProgramView, type UpdateProgramInput } from './programs.schemas.ts';

export { committedForBuyer, findProgram, type ProgramCommitmentRow, type ProgramRow } from './programs.repository.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

export function programToView(row: ProgramRow): ProgramView {
  return {
    id: row.id,
    name: row.name,
    rateBasisPoints: row.rateBasisPoints,
    eligibleBuyerTypes: row.eligibleBuyerTypes,
    envelopeCents: row.envelopeCents,
    // The stored committed_cents is what orders still hold; committed in all includes what came back.
    committedCents: row.committedCents + row.releasedCents,
    releasedCents: row.releasedCents,
    remainingCents: row.envelopeCents - (row.committedCents + row.releasedCents) + row.releasedCents,
    minOrderCents: row.minOrderCents,
    perBuyerCapCents: row.perBuyerCapCents,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    status: row.status,
    createdAt: row.createdAt,
    payer: row.payer ?? null,
  };
}

export function getProgram({ db, id }: { db: DbOrTx; id: string }): ProgramRow {
  const row = findProgram(db, id);
  if (!row) throw programNotFound();
  return row;
}

export function listProgramsPage({ db, limit, after, status }: { db: DbOrTx; limit: number; after?: { createdAt: string; id: string }; status?: ProgramStatus }) {
  return listPrograms(db, { limit, after, status });
}

export function createProgram({ db, clock, actor, input }: Deps & { actor: Actor; input: CreateProgramInput }): ProgramRow {
  const row: ProgramRow = {
    id: newId(),
    name: input.name,
    rateBasisPoints: input.rateBasisPoints,
    eligibleBuyerTypes: input.eligibleBuyerTypes,
    envelopeCents: input.envelopeCents,
    committedCents: 0,
    releasedCents: 0,
    minOrderCents: input.minOrderCents ?? null,
    perBuyerCapCents: input.perBuyerCapCents ?? null,
    startsOn: input.startsOn,
    endsOn: input.endsOn,
    status: 'open',
    createdAt: clock.now().toISOString(),
    payer: input.payer ?? null,
  };
  db.transaction((tx) => {
    insertProgram(tx, row);
    recordAudit(tx, clock, actor, 'cofinancing_program.created', { type: 'cofinancing_program', id: row.id }, {
      name: row.name,
      rateBasisPoints: row.rateBasisPoints,
      envelopeCents: row.envelopeCents,
    });
  });
  return row;
}

/**
 * Edits a programme. What is already committed stays committed: the envelope may shrink only
 * down to it, and that bound is part of the UPDATE itself so a commitment landing meanwhile
 * cannot slip under it.
 */
export function updateProgram({ db, clock, actor, id, input }: Deps & { actor: Actor; id: string; input: UpdateProgramInput }): ProgramRow {
  return db.transaction(
    (tx) => {
      const current = findProgram(tx, id);
      if (!current) throw programNotFound();
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<ProgramRow>;
      const merged: ProgramRow = { ...current, ...changes };
      const issues = programConsistencyIssues(merged);
      if (issues.length > 0) throw programValuesInvalid(issues);
      if (!updateProgramWithinCommitted(tx, id, changes, merged.envelopeCents)) throw envelopeBelowCommitted(merged.envelopeCents, current.committedCents);
      recordAudit(tx, clock, actor, 'cofinancing_program.updated', { type: 'cofinancing_program', id }, { changes });
      return findProgram(tx, id)!;
    },
    { behavior: 'immediate' },
  );
}

/** A closed programme takes no new commitments; those already made stand (orders keep their State share). */
export function closeProgram({ db, clock, actor, id }: Deps & { actor: Actor; id: string }): ProgramRow {
  return db.transaction(
    (tx) => {
      if (!findProgram(tx, id)) throw programNotFound();
      if (!closeOpenProgram(tx, id)) throw programAlreadyClosed();
      recordAudit(tx, clock, actor, 'cofinancing_program.closed', { type: 'cofinancing_program', id });
      return findProgram(tx, id)!;
    },
    { behavior: 'immediate' },
  );
}

export interface CommitEnvelopeInput {
  programId: string;
  orderId: string;
  /** The buyer organisation whose order is co-financed (per-buyer cap). */
  buyerId: string;
  /** The State share of the order, > 0. */
  amountCents: number;
  /** ISO instant of the commitment (the approval time), from the caller's clock. */
  at: string;
}

/**
 * Commits part of a programme's envelope to one order, at approval (domain rule 2).
 *
 * The envelope is moved by a single conditional UPDATE that only succeeds while the envelope can
 * take the amount, so two approvals can never over-commit it whatever their interleaving.
 * Runs in a savepoint (or its own immediate transaction when given the database): a refusal
 * leaves nothing behind even when the caller catches the error and carries on.
 *
 * Refusals (422): `cofinancing_program_closed`, `cofinancing_buyer_cap_reached`,
 * `cofinancing_envelope_exhausted`; 404 `cofinancing_program_not_found`;
 * 409 `cofinancing_already_committed` when the order already has a commitment.
 */
export function commitEnvelope(db: DbOrTx, input: CommitEnvelopeInput): ProgramCommitmentRow {
  const { programId, orderId, buyerId, amountCents, at } = input;
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    throw new RangeError(`commitEnvelope: amountCents must be a positive integer, got ${amountCents}`);
  }
  const run = (tx: DbOrTx): ProgramCommitmentRow => {
    const program = findProgram(tx, programId);
    if (!program) throw programNotFound();
    if (program.status !== 'open') throw programClosed(program.name);
    // The call for funds of the State's share must name who pays it (and route it in Chorus Pro).
    const gaps = payerGaps(program.payer);
    if (gaps.length > 0) throw programPayerMissing(program.name, gaps);
    if (findCommitmentForOrder(tx, orderId)) throw cofinancingAlreadyCommitted();
    if (program.perBuyerCapCents !== null) {
      // Read inside the caller's transaction: under WAL a concurrent writer makes our UPDATE below
      // fail with SQLITE_BUSY instead of letting this sum go stale.
      const already = committedForBuyer(tx, programId, buyerId);
      if (already + amountCents > program.perBuyerCapCents) {
        throw buyerCapReached(program.name, { perBuyerCapCents: program.perBuyerCapCents, committedForBuyerCents: already, requestedCents: amountCents });
      }
    }
    if (!addToCommitted(tx, programId, amountCents)) {
      throw envelopeExhausted(program.name, Math.max(0, program.envelopeCents - program.committedCents), amountCents);
    }
    const commitment: ProgramCommitmentRow = { id: newId(), programId, orderId, buyerId, amountCents, createdAt: at };
    insertCommitment(tx, commitment);
    return commitment;
  };
  // The buyer's committed total is read then raised: one approval for this buyer at a time.
  const locked = (tx: DbOrTx) => withLock(`buyer-cap:${buyerId}`, tx, () => run(tx));
  return inWriteTransaction(db, locked);
}

export interface ReleaseEnvelopeInput {
  programId: string;
  orderId: string;
  buyerId: string;
  /** The State credit note that gives the amount back; one release per note. */
  creditNoteId: string;
  amountCents: number;
  at: string;
}

/**
 * Gives back to a programme's envelope the State's share of passes that expired unused, when its
 * credit note is issued (issue #14): remaining = envelope − committed + released, so the money can
 * fund another buyer's order. Like commitEnvelope: in the caller's write transaction (or its own),
 * under the buyer's cap lock since it lowers what the buyer holds, one conditional UPDATE, and a
 * row unique per credit note. Never more than the order committed, whatever the number of expiries.
 */
export function releaseEnvelope(db: DbOrTx, input: ReleaseEnvelopeInput): ProgramReleaseRow {
  const { programId, orderId, buyerId, creditNoteId, amountCents, at } = input;
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    throw new RangeError(`releaseEnvelope: amountCents must be a positive integer, got ${amountCents}`);
  }
  const run = (tx: DbOrTx): ProgramReleaseRow => {
    const commitment = findCommitmentForOrder(tx, orderId);
    if (!commitment || commitment.programId !== programId) throw nothingCommitted();
    const already = releasedForOrder(tx, orderId);
    if (already + amountCents > commitment.amountCents) {
      throw releaseExceedsCommitment({ commitmentCents: commitment.amountCents, releasedCents: already, requestedCents: amountCents });
    }
    if (!moveCommittedToReleased(tx, programId, amountCents)) {
      throw new Error(`releaseEnvelope: programme ${programId} holds less than ${amountCents} cents committed`);
    }
    const release: ProgramReleaseRow = { id: newId(), programId, orderId, buyerId, creditNoteId, amountCents, createdAt: at };
    insertRelease(tx, release);
    return release;
  };
  return inWriteTransaction(db, (tx: DbOrTx) => withLock(`buyer-cap:${buyerId}`, tx, () => run(tx)));
}
