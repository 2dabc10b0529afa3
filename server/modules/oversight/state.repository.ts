import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { programStateTerms } from '../../../db/schema/oversight.ts';

/* The State's side of the programmes: terms, and the money figures of a programme's report. */

export type StateTermsRow = typeof programStateTerms.$inferSelect;

export function findStateTerms(db: DbOrTx, programId: string): StateTermsRow | undefined {
  return db.select().from(programStateTerms).where(eq(programStateTerms.programId, programId)).get();
}

export function upsertStateTerms(db: DbOrTx, row: StateTermsRow): void {
  db.insert(programStateTerms)
    .values(row)
    .onConflictDoUpdate({ target: programStateTerms.programId, set: { ...row, programId: undefined } })
    .run();
}

/** Programmes a State organisation funds, newest first. */
export function programsOfState(db: DbOrTx, stateOrganisationId: string) {
  return db.all<{ id: string; name: string; status: string }>(sql`
    SELECT p.id, p.name, p.status FROM cofinancing_programs p JOIN program_state_terms t ON t.program_id = p.id
     WHERE t.state_organisation_id = ${stateOrganisationId} ORDER BY p.created_at DESC, p.id`);
}

/** The State's invoices and credit notes on a programme's orders. */
export function programMoney(db: DbOrTx, programId: string) {
  const invoiced = db.get<{ total: number; paid: number }>(sql`
    SELECT coalesce(sum(total_cents), 0) AS total, coalesce(sum(paid_cents), 0) AS paid FROM invoices WHERE program_id = ${programId} AND party = 'state'`)!;
  const credited = db.get<{ cents: number }>(sql`SELECT coalesce(sum(state_share_cents), 0) AS cents FROM credit_notes WHERE program_id = ${programId}`)!;
  return { invoicedCents: invoiced.total, paidCents: invoiced.paid, creditedCents: credited.cents };
}

/** Per order of the programme: the State invoice, and the value of its passes used (live redemptions). */
export function programOrders(db: DbOrTx, programId: string) {
  return db.all<{ orderId: string; reference: string; buyerId: string; buyerName: string; stateShareCents: number; territory: string | null; invoicedCents: number; usedCents: number }>(sql`
    SELECT o.id AS orderId, o.reference, o.buyer_id AS buyerId, g.name AS buyerName, o.state_share_cents AS stateShareCents, o.territory,
           coalesce((SELECT sum(i.total_cents) FROM invoices i WHERE i.order_id = o.id AND i.party = 'state'), 0) AS invoicedCents,
           coalesce((SELECT sum(r.amount_cents) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = o.id AND r.status = 'live'), 0) AS usedCents
      FROM orders o JOIN organisations g ON g.id = o.buyer_id
     WHERE o.program_id = ${programId} AND o.status IN ('approved', 'closed')
     ORDER BY g.name, o.reference`);
}

/** Per order: passes bought, of booklets handed out, used. */
export function orderPassCounts(db: DbOrTx, programId: string) {
  return db.all<{ orderId: string; bought: number; distributed: number; used: number }>(sql`
    SELECT o.id AS orderId,
           (SELECT count(*) FROM passes p WHERE p.order_id = o.id) AS bought,
           (SELECT coalesce(sum(b.pass_count), 0) FROM distributions d JOIN booklets b ON b.id = d.booklet_id WHERE d.order_id = o.id) AS distributed,
           (SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.order_id = o.id AND r.status = 'live') AS used
      FROM orders o WHERE o.program_id = ${programId} AND o.status IN ('approved', 'closed')`);
}
