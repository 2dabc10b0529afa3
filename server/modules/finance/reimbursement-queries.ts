import type { DbOrTx } from '../../../db/client.ts';
import type { Config } from '../../config.ts';
import { batchBeingBuilt, batchEmpty, batchNotApproved } from './reimbursement.errors.ts';
import { batchesNewestFirst, payoutsOfBatchWithPlaceName, placesWaitingForBankDetails, requireBatch, transferredPayoutsOfBatch } from './reimbursement.repository.ts';
import { buildPain001 } from './sepa.ts';

/** The read side of reimbursement batches: lists, a batch with its payouts, places waiting, the SEPA file. */
export function listBatches(db: DbOrTx) {
  return batchesNewestFirst(db);
}

/** A batch without its payouts: its page reads them as a list, page by page (batch-payouts.list.ts). */
export function getBatchHeader(db: DbOrTx, batchId: string) {
  return requireBatch(db, batchId);
}

export function getBatch(db: DbOrTx, batchId: string) {
  const batch = requireBatch(db, batchId);
  return { batch, payouts: payoutsOfBatchWithPlaceName(db, batchId) };
}

/** Places whose redemptions up to the period wait, unbatched, for validated bank details ("en attente"). */
export function waitingPlaces(db: DbOrTx, period: string) {
  return placesWaitingForBankDetails(db, period);
}

/** The SEPA credit transfer file of an approved batch: one transaction per payout not rejected. */
export function batchSepaXml(db: DbOrTx, config: Pick<Config, 'operatorAccount'>, batchId: string): { fileName: string; xml: string } {
  const batch = requireBatch(db, batchId);
  if (batch.status === 'building') throw batchBeingBuilt();
  if (batch.status === 'draft') throw batchNotApproved();
  const list = transferredPayoutsOfBatch(db, batchId);
  if (list.length === 0) throw batchEmpty();
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
