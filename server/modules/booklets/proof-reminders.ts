/**
 * Proofs on the dashboards, and the reminder mail: a buyer whose proof has waited more than 6 days
 * gets one mail (to its admins and agents, through the outbox), once per order. The reminder is
 * recorded in the audit log in the same transaction as the mail row, so a second run of the task,
 * or a second process, never sends it twice.
 */
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { addDays, parisDate } from '../../shared/paris-time.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { enqueueToOrganisation } from '../notifications/outbox.ts';
import { overdueProofs, PROOF_REMINDER_DAYS, proofsWaitingFor } from './print-settings.service.ts';
import { ordersAwaitingProof, PROOF_REMINDER_ACTION, remindedOrderIds } from './print-settings.repository.ts';

/** Sends the reminders that are due; returns how many orders were reminded. */
export function sendProofReminders(deps: { db: Db; clock: Clock }): number {
  const { db, clock } = deps;
  const today = parisDate(clock.now());
  const due = ordersAwaitingProof(db, {}).filter((o) => o.approvedAt && today > addDays(parisDate(new Date(o.approvedAt)), PROOF_REMINDER_DAYS));
  let sent = 0;
  for (const order of due) {
    db.transaction(
      (tx) => {
        // Read again inside the write lock: another run may have reminded this order meanwhile.
        if (remindedOrderIds(tx, [order.id]).has(order.id)) return;
        const days = Math.round((Date.parse(`${today}T12:00:00Z`) - Date.parse(`${parisDate(new Date(order.approvedAt!))}T12:00:00Z`)) / 86_400_000);
        enqueueToOrganisation({ tx, clock, template: 'proof_reminder', organisationId: order.buyerId, roles: ['admin', 'agent'], data: { orderId: order.id, reference: order.reference, days } });
        recordAudit(tx, clock, null, PROOF_REMINDER_ACTION, { type: 'order', id: order.id }, { days });
        sent++;
      },
      { behavior: 'immediate' },
    );
  }
  return sent;
}

/** What the dashboards show: overdue proofs for the operator, the buyer's own waiting proofs. */
export function proofsDashboardData(deps: { db: DbOrTx; clock: Clock; actor: Actor }) {
  const { db, clock, actor } = deps;
  const approvedOn = (at: string | null) => (at ? parisDate(new Date(at)) : null);
  if (isOperator(actor)) return { proofsOverdue: overdueProofs(db, clock).map((o) => ({ ...o, approvedOn: approvedOn(o.approvedAt) })) };
  if (actor.organisationKind !== 'buyer') return {};
  const waiting = proofsWaitingFor(db, clock, actor);
  const reminded = remindedOrderIds(db, waiting.map((w) => w.id));
  return { proofsWaiting: waiting.map((w) => ({ ...w, approvedOn: approvedOn(w.approvedAt), reminded: reminded.has(w.id) })) };
}
