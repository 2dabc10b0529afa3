/**
 * The load generator of the HTTP benchmarks, run in a worker thread so that it does not share the
 * server's event loop (what autocannon does by running in its own process): `connections`
 * keep-alive clients each send their next request as soon as the previous answer has arrived.
 * Plain JavaScript: a worker does not inherit the TypeScript loader in every Node version.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

const { origin, path, method, headers, bodies, connections, idempotencyKeys } = workerData;
// One key per request, unique to this run, when the load says so.
const run = randomUUID();
const headersOf = (index) => (idempotencyKeys ? { ...headers, 'idempotency-key': `${run}-${index}` } : headers);
const pool = new Pool(origin, { connections, pipelining: 1 });
const latencies = new Float64Array(bodies.length);
let next = 0;
let failures = 0;
let firstFailure = null;
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (next < bodies.length) {
      const index = next++;
      const sent = process.hrtime.bigint();
      const response = await pool.request({ path, method, headers: headersOf(index), body: bodies[index] });
      const text = await response.body.text();
      latencies[index] = Number(process.hrtime.bigint() - sent) / 1e6;
      if (response.statusCode >= 300) {
        failures++;
        firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
      }
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
await pool.close();
parentPort.postMessage({ seconds, failures, firstFailure, latencies }, [latencies.buffer]);
