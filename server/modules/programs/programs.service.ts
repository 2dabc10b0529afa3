import { and, eq, lte, sql } from 'drizzle-orm';
import { withLock } from '../../../db/locks.ts';
import { inWriteTransaction, type Db, type DbOrTx } from '../../../db/client.ts';
import { cofinancingPrograms, programCommitments, type ProgramStatus } from '../../../db/schema/programs.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatEuros } from '../../shared/money.ts';
import { badRequest, conflict, notFound, unprocessable } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import type { Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import {
  committedForBuyer,
  findCommitmentForOrder,
  findProgram,
  insertRelease,
  listPrograms,
  moveCommittedToReleased,
  releasedForOrder,
  type ProgramCommitmentRow,
  type ProgramReleaseRow,
  type ProgramRow,
} from './programs.repository.ts';
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

const programNotFound = () => notFound('cofinancing_program_not_found', 'Programme de cofinancement introuvable.');

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
    tx.insert(cofinancingPrograms).values(row).run();
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
      if (issues.length > 0) throw badRequest('validation_failed', 'Certaines valeurs envoyées sont invalides.', issues);
      const updated = tx
        .update(cofinancingPrograms)
        .set(changes)
        .where(and(eq(cofinancingPrograms.id, id), lte(cofinancingPrograms.committedCents, merged.envelopeCents)))
        .run();
      if (updated.changes !== 1) {
        throw unprocessable(
          'envelope_below_committed',
          `L’enveloppe ne peut pas descendre à ${formatEuros(merged.envelopeCents)} : ${formatEuros(current.committedCents)} sont déjà engagés sur des commandes approuvées.`,
          { committedCents: current.committedCents },
        );
      }
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
      const closed = tx
        .update(cofinancingPrograms)
        .set({ status: 'closed' })
        .where(and(eq(cofinancingPrograms.id, id), eq(cofinancingPrograms.status, 'open')))
        .run();
      if (closed.changes !== 1) throw conflict('cofinancing_program_already_closed', 'Ce programme de cofinancement est déjà clôturé.');
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
    if (program.status !== 'open') {
      throw unprocessable('cofinancing_program_closed', `Le programme « ${program.name} » est clôturé : il n’engage plus de nouveaux montants.`);
    }
    // The call for funds of the State's share must name who pays it (and route it in Chorus Pro).
    const gaps = payerGaps(program.payer);
    if (gaps.length > 0) {
      throw unprocessable(
        'program_payer_missing',
        `Le payeur du programme « ${program.name} » est incomplet (à renseigner : ${gaps.join(', ')}) : complétez-le avant d’approuver une commande cofinancée.`,
        { missing: gaps },
      );
    }
    if (findCommitmentForOrder(tx, orderId)) {
      throw conflict('cofinancing_already_committed', 'Le cofinancement de cette commande est déjà engagé.');
    }
    if (program.perBuyerCapCents !== null) {
      // Read inside the caller's transaction: under WAL a concurrent writer makes our UPDATE below
      // fail with SQLITE_BUSY instead of letting this sum go stale.
      const already = committedForBuyer(tx, programId, buyerId);
      if (already + amountCents > program.perBuyerCapCents) {
        throw unprocessable(
          'cofinancing_buyer_cap_reached',
          `Le plafond par commanditaire du programme « ${program.name} » (${formatEuros(program.perBuyerCapCents)}) serait dépassé : ${formatEuros(already)} déjà engagés, ${formatEuros(amountCents)} demandés.`,
          { perBuyerCapCents: program.perBuyerCapCents, committedForBuyerCents: already, requestedCents: amountCents },
        );
      }
    }
    const updated = tx
      .update(cofinancingPrograms)
      .set({ committedCents: sql`${cofinancingPrograms.committedCents} + ${amountCents}` })
      .where(
        and(
          eq(cofinancingPrograms.id, programId),
          sql`${cofinancingPrograms.committedCents} + ${amountCents} <= ${cofinancingPrograms.envelopeCents}`,
          eq(cofinancingPrograms.status, 'open'),
        ),
      )
      .run();
    if (updated.changes !== 1) {
      const remainingCents = program.envelopeCents - program.committedCents;
      throw unprocessable(
        'cofinancing_envelope_exhausted',
        `L’enveloppe du programme « ${program.name} » ne suffit plus : il reste ${formatEuros(Math.max(0, remainingCents))}, ${formatEuros(amountCents)} demandés.`,
        { remainingCents: Math.max(0, remainingCents), requestedCents: amountCents },
      );
    }
    const commitment: ProgramCommitmentRow = { id: newId(), programId, orderId, buyerId, amountCents, createdAt: at };
    tx.insert(programCommitments).values(commitment).run();
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
    if (!commitment || commitment.programId !== programId) {
      throw unprocessable('cofinancing_not_committed', 'Cette commande n’a rien engagé sur l’enveloppe du programme : il n’y a rien à restituer.');
    }
    const already = releasedForOrder(tx, orderId);
    if (already + amountCents > commitment.amountCents) {
      throw unprocessable(
        'cofinancing_release_exceeds_commitment',
        `La restitution de ${formatEuros(amountCents)} dépasserait l’engagement de la commande (${formatEuros(commitment.amountCents)}, dont ${formatEuros(already)} déjà restitués).`,
        { commitmentCents: commitment.amountCents, releasedCents: already, requestedCents: amountCents },
      );
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
