import type Database from 'better-sqlite3';
import { connectionOf, type DbOrTx } from '../../../db/client.ts';
import type { Actor } from './actor.ts';

/**
 * Callers recently authenticated, by the hash of their credential (session cookie or API token).
 *
 * Every request names its caller; looking the credential up is a three-table read, the only read
 * outside a transaction on a redemption's path, and a measurable share of its time at peak load
 * (an integration redeeming through one token, an agent scanning a queue of passes). A caller found
 * here is used for at most `ttlMs`, and never past its session's end.
 *
 * Whatever changes who a credential stands for (logout, a revoked token, a disabled user, a new
 * password, a renamed organisation) calls `credentialsChanged` in the same use case: every cache
 * on that connection forgets everything at once, so the next request reads the database again.
 * The time limit only bounds what a change made outside this process could leave behind.
 */
export class ActorCache {
  private readonly entries = new Map<string, { actor: Actor; untilMs: number; generation: number }>();

  constructor(
    readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(db: DbOrTx, credentialHash: string, now: Date): Actor | undefined {
    const entry = this.entries.get(credentialHash);
    if (!entry) return undefined;
    if (entry.untilMs <= now.getTime() || entry.generation !== generationOf(connectionOf(db))) {
      this.entries.delete(credentialHash);
      return undefined;
    }
    // A copy: a request's actor is its own.
    return { ...entry.actor };
  }

  set(db: DbOrTx, credentialHash: string, actor: Actor, now: Date, notAfter?: string): void {
    const untilMs = Math.min(now.getTime() + this.ttlMs, notAfter ? Date.parse(notAfter) : Number.POSITIVE_INFINITY);
    if (this.entries.size >= this.maxEntries) {
      // The oldest entry goes (Map keeps insertion order).
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(credentialHash, { actor: { ...actor }, untilMs, generation: generationOf(connectionOf(db)) });
  }
}

const generations = new WeakMap<Database.Database, number>();
const generationOf = (client: Database.Database) => generations.get(client) ?? 0;

/** Call inside any use case that changes who a credential stands for: cached callers are forgotten. */
export function credentialsChanged(db: DbOrTx): void {
  const client = connectionOf(db);
  generations.set(client, generationOf(client) + 1);
}
