import type { Test } from 'tap';
import { buildTestApp, type Session } from './app.ts';
import { seedReference, seedWorld } from './fixtures.ts';

/** A session's JSON POST and its GET, as API tests write them. */
export const post = (s: Session, url: string, payload: Record<string, unknown>) => s.inject({ method: 'POST', url, payload });
export const get = (s: Session, url: string) => s.inject({ method: 'GET', url });

/** A test app holding the reference data and the usual cast of organisations and users (seedWorld). */
export async function appWithWorld(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  return { ...ctx, world };
}
