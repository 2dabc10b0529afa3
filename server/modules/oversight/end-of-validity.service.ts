import type { Db, DbOrTx } from '../../../db/client.ts';
import type { EndOfValidityStep } from '../../../db/schema/oversight.ts';
import { renderFiguresPdf } from '../../../templates/pdf/figures.ts';
import type { Clock } from '../../shared/clock.ts';
import { formatEuros } from '../../shared/money.ts';
import { formatFrenchDate, formatFrenchDateTime, parisDate } from '../../shared/paris-time.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findOrderFor, type OrderRow } from '../order-records/order-records.repository.ts';
import { summariseSerials } from '../booklets/serial-ranges.ts';
import { endOfValidityCalendar, stepRefusal } from './end-of-validity.rules.ts';
import * as repo from './end-of-validity.repository.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { notifyPrescribersOfBlocking } from './end-of-validity.notices.ts';
import { closingNotReady, notYourStep, stepAlreadyTaken, stepRefused } from './oversight.errors.ts';

interface Deps {
  db: Db;
  clock: Clock;
  gracePeriodDays: number;
}

const STEP_LABELS: Record<EndOfValidityStep, string> = {
  blocking_approved: 'Blocage des carnets non remis approuvé par le commanditaire (J-15)',
  acknowledged: 'Prise d’acte du commanditaire : un carnet remis après le blocage est à sa charge (J-7)',
  closing_signed_buyer: 'Relevé de clôture signé par le commanditaire',
  closing_signed_operator: 'Relevé de clôture signé par l’opérateur',
};

/**
 * The one call point for reminders and notices of the end-of-validity steps. Today it leaves an
 * audit entry, and the blocking tells each designated prescriber by mail (the outbox of issue 13),
 * in the same transaction as the step.
 */
export function notifyEndOfValidityStep(tx: DbOrTx, clock: Clock, actor: Actor | null, order: OrderRow, step: EndOfValidityStep): void {
  recordAudit(tx, clock, actor, `order.end_of_validity.${step}`, { type: 'order', id: order.id }, { reference: order.reference });
  if (step === 'blocking_approved') notifyPrescribersOfBlocking(tx, clock, order, actor?.organisationName ?? 'Le commanditaire');
}

function requireOrder(db: DbOrTx, actor: Actor, orderId: string): OrderRow {
  const order = findOrderFor(db, actor, orderId);
  if (!order || (order.status !== 'approved' && order.status !== 'closed')) throw orderNotFound();
  return order;
}

const isExpired = (order: OrderRow) => order.status === 'closed';

/** The order's end-of-validity timeline: each step with the day it opens and, once taken, when and by whom. */
export function endOfValidity(deps: Deps & { actor: Actor; orderId: string }) {
  const { db, clock, gracePeriodDays, actor, orderId } = deps;
  const order = requireOrder(db, actor, orderId);
  const cal = endOfValidityCalendar(order.validUntil, gracePeriodDays);
  const done = new Map(repo.stepsOf(db, orderId).map((s) => [s.step, s]));
  const unhanded = repo.unhandedBooklets(db, orderId);
  const passCount = unhanded.reduce((sum, b) => sum + b.passCount, 0);
  const today = parisDate(clock.now());
  const step = (key: EndOfValidityStep, opensOn: string) => ({
    step: key,
    label: STEP_LABELS[key],
    opensOn,
    doneAt: done.get(key)?.at ?? null,
    open: stepRefusal(key, { today, validUntil: order.validUntil, gracePeriodDays, done: new Set(done.keys()), expired: isExpired(order) }) === null,
  });
  return {
    orderId,
    reference: order.reference,
    calendar: cal,
    expired: isExpired(order),
    blocked: done.has('blocking_approved'),
    unhandedBooklets: { count: unhanded.length, passCount, amountCents: passCount * order.faceValueCents, serials: summariseSerials(unhanded.map((b) => b.serial)) },
    steps: [
      step('blocking_approved', cal.blockingFrom),
      step('acknowledged', cal.acknowledgementFrom),
      step('closing_signed_buyer', cal.expiryAfter),
      step('closing_signed_operator', cal.expiryAfter),
    ],
  };
}

/**
 * Takes one step, in one transaction: the rule says whether it is open, the row (one per order and
 * step) records it with what it covered, and the notice call point runs with it.
 */
export function takeStep(deps: Deps & { actor: Actor; orderId: string; step: EndOfValidityStep }) {
  const { db, clock, gracePeriodDays, actor, orderId, step } = deps;
  const buyerSteps: EndOfValidityStep[] = ['blocking_approved', 'acknowledged', 'closing_signed_buyer'];
  if (buyerSteps.includes(step) ? actor.organisationKind !== 'buyer' : !isOperator(actor)) {
    throw notYourStep(step === 'closing_signed_operator');
  }
  db.transaction(
    (tx) => {
      const order = requireOrder(tx, actor, orderId);
      const done = new Set(repo.stepsOf(tx, orderId).map((s) => s.step));
      const refusal = stepRefusal(step, { today: parisDate(clock.now()), validUntil: order.validUntil, gracePeriodDays, done, expired: isExpired(order) });
      if (refusal) throw stepRefused(refusal);
      const unhanded = step === 'blocking_approved' ? repo.unhandedBooklets(tx, orderId) : [];
      const passCount = unhanded.reduce((sum, b) => sum + b.passCount, 0);
      const data = step === 'blocking_approved' ? { bookletCount: unhanded.length, passCount, amountCents: passCount * order.faceValueCents, serials: summariseSerials(unhanded.map((b) => b.serial)) } : null;
      if (!repo.insertStep(tx, { orderId, step, at: clock.now().toISOString(), userId: actor.userId, organisationId: actor.organisationId, data })) {
        throw stepAlreadyTaken();
      }
      notifyEndOfValidityStep(tx, clock, actor, order, step);
    },
    { behavior: 'immediate' },
  );
  return endOfValidity(deps);
}

/** The joint closing statement (PDF) for the buyer and the operator, once the order has expired. */
export async function closingStatementPdf(deps: Deps & { actor: Actor; orderId: string }): Promise<{ reference: string; pdf: Buffer }> {
  const { db, actor, orderId } = deps;
  const order = requireOrder(db, actor, orderId);
  if (!isExpired(order)) throw closingNotReady();
  const f = repo.closingFigures(db, orderId);
  const signed = new Map(repo.stepsOf(db, orderId).map((s) => [s.step, s.at]));
  const sign = (step: EndOfValidityStep, who: string) => (signed.has(step) ? `${who} : signé le ${formatFrenchDateTime(signed.get(step)!)}` : `${who} : à signer`);
  const pdf = await renderFiguresPdf({
    title: `Relevé de clôture de la commande ${order.reference}`,
    intro: [`Validité du ${formatFrenchDate(order.validFrom)} au ${formatFrenchDate(order.validUntil)}.`, 'Relevé conjoint du commanditaire et de l’opérateur du Pass numérique.'],
    sections: [
      {
        heading: 'Pass',
        rows: [
          ['Achetés', f.bought.toLocaleString('fr-FR')],
          ['Distribués', f.distributed.toLocaleString('fr-FR')],
          ['Utilisés', `${f.used.toLocaleString('fr-FR')} (${formatEuros(f.usedCents)})`],
          ['Remboursés aux lieux', formatEuros(f.reimbursedCents)],
          ['Expirés', f.expired.toLocaleString('fr-FR')],
        ],
      },
      {
        heading: 'Répartition',
        rows: [
          ['Valeur des pass : part du commanditaire / part de l’État', `${formatEuros(order.buyerShareCents)} / ${formatEuros(order.stateShareCents)}`],
          ['Avoir total', formatEuros(f.creditedCents)],
          ['Avoir au commanditaire', formatEuros(f.creditedBuyerCents)],
          ['Avoir à l’État', formatEuros(f.creditedStateCents)],
        ],
      },
    ],
    footer: [sign('closing_signed_buyer', 'Commanditaire'), sign('closing_signed_operator', 'Opérateur')],
  });
  return { reference: order.reference, pdf };
}
