import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import { guardTransactionScope, migrateDatabase, openDatabase, type Db } from '../../db/client.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import type { TestUser } from './fixtures.ts';
import { openMigratedDatabase } from './migrated-db.ts';

/** The instant every test starts at, unless it says otherwise: tests never read the wall clock. */
export const TEST_NOW = '2026-11-25T10:00:00.000Z';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: '/nonexistent',
    databasePath: ':memory:',
    publicUrl: 'http://pass.test',
    secureCookies: false,
    sessionSecret: 'test-session-secret-0123456789abcdef0123456789',
    passCodeSecret: 'test-pass-code-secret-0123456789abcdef01234567',
    demoData: false,
    logLevel: 'silent',
    operatorFeeBasisPoints: 0,
    gracePeriodDays: 31,
    operatorAccount: { name: 'Opérateur national du Pass numérique', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPPXXX' },
    trustProxy: false,
    mfaRequired: false,
    // Tests run jobs and scheduled tasks explicitly (app.jobs.runUntilIdle(), scheduler.tick()).
    jobsEnabled: false,
    backupKeep: 14,
    minFreeDiskBytes: 0,
    asyncApprovalPasses: 10_000,
    // Tests drive the outbox sender themselves (app.outbox.deliverDue()), with their own clock.
    mailPollIntervalMs: 0,
    ...overrides,
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  clock: ManualClock;
  config: Config;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A fresh app on a fresh database with every migration applied, closed when the test ends: in
 * memory, or in `databasePath` (a temporary file) when the test needs a second connection.
 */
export async function buildTestApp(t: Teardown, options: { now?: string; config?: Partial<Config>; databasePath?: string } = {}): Promise<TestApp> {
  const raw = options.databasePath ? openDatabase(options.databasePath) : openMigratedDatabase();
  if (options.databasePath) migrateDatabase(raw);
  // Any query on `db` inside one of its transactions throws (see guardTransactionScope).
  const db = guardTransactionScope(raw);
  const clock = new ManualClock(options.now ?? TEST_NOW);
  const config = testConfig(options.config);
  const app = await buildApp({ config, db, clock, logger: false });
  t.teardown(async () => {
    await app.close();
    raw.$client.close();
  });
  return { app, db, clock, config };
}

/** A logged-in browser-like client: carries the session cookies and the CSRF token. */
export interface Session {
  csrfToken: string;
  cookieHeader: string;
  inject(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse>;
}

export async function loginAs(app: FastifyInstance, user: Pick<TestUser, 'email' | 'password'>): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: user.email, password: user.password } });
  if (res.statusCode !== 200) throw new Error(`login failed for ${user.email}: ${res.statusCode} ${res.body}`);
  const cookieHeader = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrfToken = (res.json() as { csrfToken: string }).csrfToken;
  return {
    csrfToken,
    cookieHeader,
    inject: ({ csrf = true, headers, ...options }) =>
      app.inject({
        ...options,
        headers: { ...headers, cookie: cookieHeader, ...(csrf ? { 'x-csrf-token': csrfToken } : {}) },
      } as InjectOptions),
  };
}

/** Same as loginAs, named for what tests do with it. */
export const injectAs = loginAs;

/** A client authenticated by an API bearer token (no cookie, no CSRF). */
export function bearer(app: FastifyInstance, token: string) {
  return (options: InjectOptions) =>
    app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token}` } } as InjectOptions);
}
