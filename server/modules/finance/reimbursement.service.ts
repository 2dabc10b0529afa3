/**
 * The reimbursement batches' use cases, by responsibility: building (in one transaction, or as a
 * job above BATCH_JOB_THRESHOLD), payment and settlement, and the read side. Callers import from
 * here; the job's handler is in reimbursement-batch.job.ts.
 */
export { buildBatch, startBatch, DEFAULT_BATCH_JOB_THRESHOLD, type BatchStart } from './reimbursement-build.service.ts';
export { approveBatch, markBatchPaid, nextWorkingDay, rejectPayout, rejectPayoutInTx, settlePayoutsInTx } from './reimbursement-payment.service.ts';
export { batchSepaXml, getBatch, getBatchHeader, listBatches, waitingPlaces } from './reimbursement-queries.ts';
export { BATCH_STATUS_LABELS, type BatchRow, type PayoutRow } from './reimbursement.repository.ts';
