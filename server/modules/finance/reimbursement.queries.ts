import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { payouts, reimbursementBatches } from '../../../db/schema/reimbursement.ts';
import type { Config } from '../../config.ts';
import { conflict, notFound } from '../../shared/problem.ts';
import { PAYABLE_PLACE_IDS } from '../places/payable.ts';
import { buildPain001 } from './sepa.ts';

/** Reads of the reimbursement batches (list, detail, places waiting, SEPA file); their transitions are in reimbursement.service.ts. */

export function requireBatch(db: DbOrTx, batchId: string): typeof reimbursementBatches.$inferSelect {
  const batch = db.select().from(reimbursementBatches).where(eq(reimbursementBatches.id, batchId)).get();
  if (!batch) throw notFound('batch_not_found', 'Lot de remboursement introuvable.');
  return batch;
}

export function listBatches(db: DbOrTx) {
  return db.select().from(reimbursementBatches).orderBy(sql`${reimbursementBatches.period} DESC`).all();
}

export function getBatch(db: DbOrTx, batchId: string) {
  const batch = requireBatch(db, batchId);
  const rows = db
    .select({ payout: payouts, placeName: organisations.name })
    .from(payouts)
    .innerJoin(organisations, eq(organisations.id, payouts.placeId))
    .where(eq(payouts.batchId, batchId))
    .orderBy(asc(organisations.name))
    .all();
  return { batch, payouts: rows };
}

/** Places whose redemptions up to the period wait, unbatched, for validated bank details ("en attente"). */
export function waitingPlaces(db: DbOrTx, period: string) {
  return db.all<{ place_id: string; name: string; n: number; total: number }>(sql`
    SELECT r.place_id, o.name, COUNT(*) AS n, SUM(r.amount_cents) AS total
    FROM redemptions r JOIN organisations o ON o.id = r.place_id
    WHERE r.status = 'live' AND r.batched_at IS NULL AND r.period <= ${period}
      AND r.place_id NOT IN ${PAYABLE_PLACE_IDS}
    GROUP BY r.place_id, o.name ORDER BY o.name`);
}

/** The SEPA credit transfer file of an approved batch: one transaction per payout not rejected. */
export function batchSepaXml(db: DbOrTx, config: Pick<Config, 'operatorAccount'>, batchId: string): { fileName: string; xml: string } {
  const batch = requireBatch(db, batchId);
  if (batch.status === 'draft') throw conflict('batch_not_approved', 'Le fichier de virements est disponible après l’approbation du lot.');
  const list = db
    .select()
    .from(payouts)
    .where(and(eq(payouts.batchId, batchId), inArray(payouts.status, ['approved', 'paid'])))
    .orderBy(asc(payouts.reference))
    .all();
  if (list.length === 0) throw conflict('batch_empty', 'Ce lot ne contient aucun virement.');
  const xml = buildPain001({
    messageId: batch.messageId!,
    createdAt: new Date(batch.approvedAt!),
    initiatorName: config.operatorAccount.name,
    debtor: config.operatorAccount,
    requestedExecutionDate: batch.requestedExecutionDate!,
    paymentInfoId: batch.messageId!,
    transactions: list.map((p) => ({
      endToEndId: p.reference,
      amountCents: p.amountCents,
      creditorName: p.holder,
      creditorIban: p.iban,
      creditorBic: p.bic,
      remittanceInformation: `Pass numerique remboursement ${batch.period} releve ${p.reference}`,
    })),
  });
  return { fileName: `virements-${batch.period}.xml`, xml };
}
