import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redemptionWorld } from '../helpers/redemption-world.ts';
import { passes } from '../../db/schema/booklets.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { journalEntries } from '../../db/schema/ledger.ts';
import { trialBalance, verifyChain } from '../../server/modules/finance/ledger.ts';

/** The redemption world with one booklet of 10, on a file when asked. */
const setup = (t: Test, databasePath?: string) => redemptionWorld(t, { app: { databasePath }, order: { bookletCount: 1, passesPerBooklet: 10 } });

t.test('redemptions arriving together are committed together, each with its own verdict', async (t) => {
  const { agent, codes, db } = await setup(t);
  const forged = `${codes[1]!.slice(0, 19)}${codes[1]!.at(-1) === 'A' ? 'B' : 'A'}`;
  const bodies = [codes[0], codes[1], forged, codes[0], codes[2], codes[3]].map((code) => ({ code }));
  const answers = await Promise.all(bodies.map((payload) => agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload })));
  t.same(
    answers.map((a) => a.statusCode),
    [201, 201, 404, 409, 201, 201],
    'the second use of a code in the same group sees the first one',
  );
  t.equal(answers[3]!.json().code, 'pass_already_redeemed');
  t.equal(answers[2]!.json().code, 'pass_not_found');
  t.equal(db.select().from(redemptions).all().length, 4);
  t.equal(db.select().from(journalEntries).where(eq(journalEntries.kind, 'redemption')).all().length, 4);
  t.ok(trialBalance(db).balanced);
  t.ok(verifyChain(db).ok, 'the hash chain is intact across the group');
  const ids = answers.filter((a) => a.statusCode === 201).map((a) => a.json().id as string);
  t.same([...ids].sort(), ids, 'time-ordered redemption ids');
});

t.test('a database held by another process gets 503 service_busy, nothing written, and the retry passes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pn-busy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'pass.sqlite');
  const { agent, codes, db } = await setup(t, path);
  db.$client.pragma('busy_timeout = 50');
  const script = new Database(path);
  t.teardown(() => script.close());
  script.exec('BEGIN IMMEDIATE');
  const busy = await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0] } });
  t.equal(busy.statusCode, 503);
  t.equal(busy.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(busy.json().code, 'service_busy');
  t.equal(busy.headers['retry-after'], '5');
  t.equal(db.select().from(passes).where(eq(passes.code, codes[0]!)).get()!.status, 'active');
  script.exec('ROLLBACK');
  const retry = await agent.inject({ method: 'POST', url: '/api/v1/redemptions', payload: { code: codes[0] } });
  t.equal(retry.statusCode, 201);
});
