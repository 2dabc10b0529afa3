import type { Db, DbOrTx } from '../../../db/client.ts';
import type { OrderRow } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { DomainError } from '../../shared/problem.ts';
import { newId } from '../../shared/secrets.ts';
import { nextDocumentNumber } from '../../shared/sequences.repository.ts';
import type { Actor } from '../identity/actor.ts';
import { findOrganisation } from '../accounts/accounts.repository.ts';
import { notifyOrderEvent } from '../notifications/order-notices.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { postEntry } from '../finance/ledger.ts';
import { commitEnvelope, committedForBuyer, findProgram } from '../programs/programs.service.ts';
import { validateRestrictions } from './order-restrictions.ts';
import { issueBooklets, planIssuance } from '../booklets/issuance.ts';
import { insertJob } from '../jobs/jobs.repository.ts';
import { ORDER_ISSUANCE_JOB, type IssuanceJobParams } from './approval.job.ts';
import type { PassCodeFactory } from '../booklets/pass-code.ts';
import { computeQuote, cofinancingRefusal, type ProgramTerms, type Quote } from '../order-records/cofinancing.ts';
import { stateRuleRefusal } from '../oversight/program-rules.ts';
import { findStateTerms } from '../oversight/state.repository.ts';
import { MIN_FACE_VALUE_CENTS, type OrderInput } from './orders.schemas.ts';
import {
  chosenProgramNotFound,
  COFINANCING_NOT_ELIGIBLE,
  cofinancingNotEligible,
  faceValueTooLow,
  mandateNotAllowed,
  onlyBuyersOrder,
  orderCancelled,
  orderNotCancellable,
  orderNotSubmitted,
  paymentArrangementNotPublic,
} from './orders.errors.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';

export type { OrderRow };
export { orderToView } from '../order-records/order-views.ts';
export { refreshFunding } from '../funding/funding.service.ts';
import { isPublicBuyer, refreshFunding } from '../funding/funding.service.ts';
export { buyerNameOf, findOrderFor } from '../order-records/order-records.repository.ts';
import { findOrderById, findOrderFor } from '../order-records/order-records.repository.ts';
import { insertInvoice, insertOrder, leaveSubmitted, setMandateNumber } from './orders.repository.ts';
export { listOrdersFor } from './orders.repository.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

export const INVOICE_DUE_DAYS = 30;

function programTerms(tx: DbOrTx, programId: string): ProgramTerms {
  const program = findProgram(tx, programId);
  if (!program) throw chosenProgramNotFound();
  return {
    id: program.id,
    name: program.name,
    rateBasisPoints: program.rateBasisPoints,
    eligibleBuyerTypes: program.eligibleBuyerTypes,
    envelopeCents: program.envelopeCents,
    committedCents: program.committedCents,
    minOrderCents: program.minOrderCents,
    perBuyerCapCents: program.perBuyerCapCents,
    startsOn: program.startsOn,
    endsOn: program.endsOn,
    status: program.status,
  };
}

function buyerOf(tx: DbOrTx, actor: Actor) {
  if (actor.organisationKind !== 'buyer') throw onlyBuyersOrder();
  return findOrganisation(tx, actor, actor.organisationId)!;
}

function quoteInside(tx: DbOrTx, clock: Clock, actor: Actor, input: OrderInput, feeBasisPoints: number) {
  const buyer = buyerOf(tx, actor);
  if (input.faceValueCents < MIN_FACE_VALUE_CENTS) throw faceValueTooLow(input.faceValueCents);
  // A mandate agreement or a régie d'avances is how a public accountant pays; a company pays its invoice.
  if (input.paymentArrangement && !isPublicBuyer(buyer.buyerType)) throw paymentArrangementNotPublic();
  const territory = validateRestrictions(tx, input);
  let program: { terms: ProgramTerms; committedForBuyerCents: number } | null = null;
  if (input.cofinancingProgramId) {
    const terms = programTerms(tx, input.cofinancingProgramId);
    const total = input.bookletCount * input.passesPerBooklet * input.faceValueCents;
    const refusal = cofinancingRefusal(terms, buyer.buyerType, parisDate(clock.now()), total);
    if (refusal) throw cofinancingNotEligible(refusal);
    // The State call's own rules (largest project, smallest territory), kept with the State's terms.
    const stateRefusal = stateRuleRefusal(findStateTerms(tx, terms.id) ?? null, terms.name, { totalCents: total, territory });
    if (stateRefusal) throw cofinancingNotEligible(stateRefusal);
    program = { terms, committedForBuyerCents: committedForBuyer(tx, terms.id, buyer.id) };
  }
  const quote = computeQuote({ quantities: input, feeBasisPoints, program });
  return { buyer, territory, quote };
}

export type QuoteAnswer = Quote & {
  cofinancingProgramId: string | null;
  /** Why the chosen programme does not co-finance this order (the quote is then without it), or null. */
  cofinancingNotApplied: { condition: string; message: string } | null;
};

/**
 * The quote shown while the buyer types: always a price. When the chosen programme would refuse the
 * order (under its minimum, wrong dates…), the quote is the one without co-financing and says why;
 * submitting the order with the programme is still refused (submitOrder), with the same words.
 */
export function quoteOrder(deps: Deps & { actor: Actor; input: OrderInput; feeBasisPoints: number }): QuoteAnswer {
  try {
    const { quote } = quoteInside(deps.db, deps.clock, deps.actor, deps.input, deps.feeBasisPoints);
    return { ...quote, cofinancingProgramId: deps.input.cofinancingProgramId ?? null, cofinancingNotApplied: null };
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== COFINANCING_NOT_ELIGIBLE) throw error;
    const { cofinancingProgramId: _refused, ...withoutProgram } = deps.input;
    const { quote } = quoteInside(deps.db, deps.clock, deps.actor, withoutProgram, deps.feeBasisPoints);
    return { ...quote, cofinancingProgramId: null, cofinancingNotApplied: { condition: String(error.extra?.condition ?? ''), message: error.message } };
  }
}

export function submitOrder(deps: Deps & { actor: Actor; input: OrderInput; feeBasisPoints: number }): OrderRow {
  const { db, clock, actor, input, feeBasisPoints } = deps;
  return db.transaction(
    (tx) => {
      const { buyer, territory, quote } = quoteInside(tx, clock, actor, input, feeBasisPoints);
      const now = clock.now();
      const row: OrderRow = {
        id: newId(),
        reference: nextDocumentNumber(tx, 'CMD', parisDate(now).slice(0, 4)),
        buyerId: buyer.id,
        status: 'submitted',
        bookletCount: input.bookletCount,
        passesPerBooklet: input.passesPerBooklet,
        faceValueCents: input.faceValueCents,
        validFrom: input.validFrom,
        validUntil: input.validUntil,
        publics: input.publics,
        territory,
        programId: input.cofinancingProgramId ?? null,
        totalCents: quote.totalCents,
        stateShareCents: quote.stateShareCents,
        buyerShareCents: quote.buyerShareCents,
        feeBasisPoints: quote.feeBasisPoints,
        feeCents: quote.feeCents,
        vatCents: quote.vatCents,
        chorusServiceCode: input.chorusServiceCode || null,
        engagementNumber: input.engagementNumber || null,
        mandateNumber: input.mandateNumber || null,
        paymentArrangement: input.paymentArrangement ?? null,
        fundedAt: null,
        submittedAt: now.toISOString(),
        submittedByUserId: actor.userId,
        approvedAt: null,
        approvedByUserId: null,
        cancelledAt: null,
        createdAt: now.toISOString(),
        allowedServices: input.allowedServices ?? null,
      };
      insertOrder(tx, row);
      recordAudit(tx, clock, actor, 'order.submitted', { type: 'order', id: row.id }, { totalCents: row.totalCents, stateShareCents: row.stateShareCents });
      notifyOrderEvent({ tx, clock, orderId: row.id, event: 'submitted' });
      return row;
    },
    { behavior: 'immediate' },
  );
}

/** The order if the actor may see it (the operator, or its buyer); undefined otherwise, so callers answer 404. */

function requireOrder(db: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = findOrderFor(db, actor, orderId);
  if (!order) throw orderNotFound();
  return order;
}


/** An approved order, and the job issuing its booklets when there are too many to issue in the request. */
export type ApprovedOrder = OrderRow & { issuanceJobId: string | null };

/**
 * Approval, in one transaction: status change (exactly once), envelope commitment (never over the
 * envelope), booklets and passes issued, invoices with gapless numbers, and the journal entry of the issued value.
 * An order of more than `asyncAbovePasses` passes has its serials reserved and its issuance queued
 * as a job in that same transaction (see approval.job.ts): the request does not hold the database
 * for the seconds 200 000 passes take.
 */
export function approveOrder(deps: Deps & { actor: Actor; orderId: string; codes: PassCodeFactory; asyncAbovePasses?: number }): ApprovedOrder {
  const { db, clock, actor, orderId, codes, asyncAbovePasses } = deps;
  return db.transaction(
    (tx) => {
      const order = requireOrder(tx, actor, orderId);
      const now = clock.now();
      if (!leaveSubmitted(tx, orderId, { status: 'approved', approvedAt: now.toISOString(), approvedByUserId: actor.userId })) {
        throw orderNotSubmitted(order.status);
      }
      if (order.programId && order.stateShareCents > 0) {
        commitEnvelope(tx, { programId: order.programId, orderId, buyerId: order.buyerId, amountCents: order.stateShareCents, at: now.toISOString() });
      }
      const buyer = findOrganisation(tx, actor, order.buyerId)!;
      const today = parisDate(now);
      const year = today.slice(0, 4);
      const buyerInvoiceTotal = order.buyerShareCents + order.feeCents + order.vatCents;
      const common = {
        orderId,
        buyerId: order.buyerId,
        programId: order.programId,
        issuedOn: today,
        dueOn: addDays(today, INVOICE_DUE_DAYS),
        buyerSiret: buyer.siret,
        chorusServiceCode: order.chorusServiceCode,
        engagementNumber: order.engagementNumber,
        createdAt: now.toISOString(),
      };
      if (buyerInvoiceTotal > 0) {
        insertInvoice(tx, {
          id: newId(),
          number: nextDocumentNumber(tx, 'FAC', year),
          party: 'buyer',
          passValueCents: order.buyerShareCents,
          feeCents: order.feeCents,
          vatCents: order.vatCents,
          totalCents: buyerInvoiceTotal,
          ...common,
        });
      }
      if (order.stateShareCents > 0) {
        insertInvoice(tx, {
          id: newId(),
          number: nextDocumentNumber(tx, 'FAC', year),
          party: 'state',
          passValueCents: order.stateShareCents,
          feeCents: 0,
          vatCents: 0,
          totalCents: order.stateShareCents,
          ...common,
        });
      }
      postEntry(tx, clock, {
        kind: 'order_approved',
        refType: 'order',
        refId: orderId,
        label: `Commande ${order.reference} approuvée : pass émis`,
        idempotencyKey: `order_approved:${orderId}`,
        lines: [
          { account: `buyer:${order.buyerId}:receivable`, debitCents: buyerInvoiceTotal },
          { account: `program:${order.programId}:receivable`, debitCents: order.stateShareCents },
          { account: 'passes:outstanding', creditCents: order.totalCents },
          { account: 'fees:revenue', creditCents: order.feeCents },
          { account: 'vat:collected', creditCents: order.vatCents },
        ].filter((line) => (line.debitCents ?? line.creditCents ?? 0) > 0),
      });
      let issuanceJobId: string | null = null;
      if (asyncAbovePasses !== undefined && order.bookletCount * order.passesPerBooklet > asyncAbovePasses) {
        const params: IssuanceJobParams = { orderId, createdAt: now.toISOString(), plan: planIssuance(tx, { order, buyer, year }) };
        issuanceJobId = insertJob(tx, {
          kind: ORDER_ISSUANCE_JOB,
          params,
          total: order.bookletCount,
          subject: orderId,
          organisationId: actor.organisationId,
          startedByUserId: actor.userId,
          now,
        });
      } else {
        issueBooklets(db, tx, { order, buyer, codes, now, year });
      }
      recordAudit(tx, clock, actor, 'order.approved', { type: 'order', id: orderId });
      notifyOrderEvent({ tx, clock, orderId, event: 'approved' });
      refreshFunding(tx, clock, orderId);
      return { ...findOrderById(tx, orderId)!, issuanceJobId };
    },
    { behavior: 'immediate' },
  );
}

export function cancelOrder(deps: Deps & { actor: Actor; orderId: string }): OrderRow {
  const { db, clock, actor, orderId } = deps;
  return db.transaction(
    (tx) => {
      const order = requireOrder(tx, actor, orderId);
      if (!leaveSubmitted(tx, orderId, { status: 'cancelled', cancelledAt: clock.now().toISOString() })) {
        throw orderNotCancellable(order.status);
      }
      recordAudit(tx, clock, actor, 'order.cancelled', { type: 'order', id: orderId });
      notifyOrderEvent({ tx, clock, orderId, event: 'cancelled' });
      return { ...order, status: 'cancelled' as const, cancelledAt: clock.now().toISOString() };
    },
    { behavior: 'immediate' },
  );
}

/** A public buyer's mandate (or engagement) number opens the funding gate without waiting for payment. */
export function recordMandate(deps: Deps & { actor: Actor; orderId: string; mandateNumber: string }): OrderRow {
  const { db, clock, actor, orderId, mandateNumber } = deps;
  return db.transaction(
    (tx) => {
      const order = requireOrder(tx, actor, orderId);
      if (order.status === 'cancelled') throw orderCancelled();
      const buyer = findOrganisation(tx, actor, order.buyerId)!;
      if (!isPublicBuyer(buyer.buyerType)) throw mandateNotAllowed();
      setMandateNumber(tx, orderId, mandateNumber);
      recordAudit(tx, clock, actor, 'order.mandate_recorded', { type: 'order', id: orderId }, { mandateNumber });
      refreshFunding(tx, clock, orderId);
      return findOrderById(tx, orderId)!;
    },
    { behavior: 'immediate' },
  );
}

