/**
 * Part of `npm run bench` (#12): the latency of concurrent GET /api/v1/passes/{code} while an
 * issuance job of BENCH_JOB_BOOKLETS booklets × 10 passes (20 000 by default) runs in the same
 * process, beside the same figure measured in the same run without the job. The job runs in
 * chunks of short transactions (server/modules/jobs); what this measures is how long a lookup
 * waits behind a chunk. Goal: p99 under 100 ms during the job.
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.ts';
import type { OrganisationRow } from '../server/modules/accounts/accounts.repository.ts';
import { planIssuance } from '../server/modules/booklets/issuance.ts';
import { insertJob } from '../server/modules/jobs/jobs.repository.ts';
import { ORDER_ISSUANCE_JOB, type IssuanceJobParams } from '../server/modules/orders/approval.job.ts';
import type { OrderRow } from '../server/modules/orders/orders.service.ts';

/** One lookup due every 10 ms (BENCH_LOOKUP_INTERVAL_MS): 100 a second, well under what the route serves alone, so the wait measured is the job's. */
const INTERVAL_MS = Number(process.env.BENCH_LOOKUP_INTERVAL_MS ?? 10);

export interface Latencies {
  requests: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/**
 * Open loop: one lookup every INTERVAL_MS, whatever the answers, until `stop()` says so. Each
 * latency runs from the instant the request was due, so a request that waited behind a job's
 * chunk (its timer could not fire) counts the whole wait, as a client on the network would see it.
 */
async function lookups(app: FastifyInstance, cookie: string, sample: string[], stop: (n: number) => boolean): Promise<Latencies> {
  const times: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const origin = process.hrtime.bigint();
  let sent = 0;
  const elapsedMs = () => Number(process.hrtime.bigint() - origin) / 1e6;
  while (!stop(sent)) {
    // Every request due by now goes out (several at once after a blocked stretch).
    while (sent * INTERVAL_MS <= elapsedMs() && !stop(sent)) {
      const due = sent * INTERVAL_MS;
      const code = sample[sent++ % sample.length];
      const request = app.inject({ method: 'GET', url: `/api/v1/passes/${code}`, headers: { cookie } }).then((res) => {
        if (res.statusCode !== 200) throw new Error(`vérification refusée : ${res.statusCode} ${res.body}`);
        times.push(elapsedMs() - due);
        inFlight.delete(request);
      });
      inFlight.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
  await Promise.all(inFlight);
  times.sort((a, b) => a - b);
  return { requests: times.length, p50: percentile(times, 50), p99: percentile(times, 99) };
}

export async function benchLookupUnderJob(input: {
  app: FastifyInstance;
  db: Db;
  cookie: string;
  sample: string[];
  seeded: { order: OrderRow; buyer: OrganisationRow };
  now: Date;
}): Promise<{ during: Latencies; baseline: Latencies; jobSeconds: number; booklets: number }> {
  const { app, db, cookie, sample, seeded, now } = input;
  const { order, buyer } = seeded;
  db.transaction((tx) => {
    const params: IssuanceJobParams = { orderId: order.id, createdAt: now.toISOString(), plan: planIssuance(tx, { order, buyer, year: '2026' }) };
    insertJob(tx, { kind: ORDER_ISSUANCE_JOB, params, total: order.bookletCount, subject: order.id, now });
  });
  let jobDone = false;
  const started = process.hrtime.bigint();
  const job = app.jobs.runUntilIdle().then(() => {
    jobDone = true;
  });
  const during = await lookups(app, cookie, sample, () => jobDone);
  await job;
  const jobSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The raw baseline: as many lookups again, at the same pace, with no job running.
  const baseline = await lookups(app, cookie, sample, (n) => n >= during.requests);
  return { during, baseline, jobSeconds, booklets: order.bookletCount };
}
