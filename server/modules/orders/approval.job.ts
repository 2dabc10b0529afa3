import { z } from 'zod';
import { findOrderById } from '../order-records/order-records.repository.ts';
import { ORDER_ISSUANCE_JOB, issueBookletRange, issuedBookletCount, type IssuancePlan } from '../booklets/issuance.ts';
import type { PassCodeFactory } from '../booklets/pass-code.ts';
import type { JobHandler } from '../jobs/jobs.runner.ts';
import { notifyProofReady } from '../notifications/lifecycle-notices.ts';

/**
 * The issuance of a large approved order, as a job. The approval itself (status, envelope,
 * invoices, journal entry) commits at once with the job row; the booklets and passes follow in
 * chunks of about PASSES_PER_CHUNK passes, each chunk one transaction. Booklets are issued in
 * position order, so the number already issued is the position to resume at after a crash.
 */
export { ORDER_ISSUANCE_JOB };
const PASSES_PER_CHUNK = 2000;

export const issuanceJobParams = z.object({
  orderId: z.string(),
  createdAt: z.string(),
  plan: z.object({ prefix: z.string(), firstSerial: z.number().int(), year: z.string() }),
});
export type IssuanceJobParams = z.infer<typeof issuanceJobParams> & { plan: IssuancePlan };

export function orderIssuanceHandler(codes: PassCodeFactory): JobHandler {
  return {
    kind: ORDER_ISSUANCE_JOB,
    step({ tx, job, clock }) {
      const params = issuanceJobParams.parse(job.params);
      const order = findOrderById(tx, params.orderId);
      if (!order) throw new Error(`commande ${params.orderId} introuvable`);
      const from = issuedBookletCount(tx, order.id);
      const to = Math.min(order.bookletCount, from + Math.max(1, Math.floor(PASSES_PER_CHUNK / order.passesPerBooklet)));
      issueBookletRange(tx, { order, plan: params.plan, codes, createdAt: params.createdAt, from, to });
      const finished = to === order.bookletCount;
      // The last chunk makes the booklets, hence their first proof, whole: the buyer is told then.
      if (finished) notifyProofReady({ tx, clock, orderId: order.id });
      return { done: to, total: order.bookletCount, finished };
    },
  };
}
