import { cachedPerConnection, type DbOrTx } from '../../db/client.ts';

/**
 * How long a key is remembered. A client retries within minutes (a place's phone back on the
 * network, an integration's retry loop); a week covers a long weekend without a connection, and
 * keeps the table at about a week of money-moving requests instead of growing forever.
 */
export const IDEMPOTENCY_RETENTION_DAYS = 7;

/** Status stored while the request that reserved the key is still running. */
export const PENDING_STATUS = 0;

/**
 * A reservation whose request has not answered within this time is taken to be dead (a process
 * killed mid-way, a crash between reservation and answer): the next request with the key takes it
 * over instead of hearing "in progress" until the retention ends. Every guarded request answers in
 * well under a second; one still running after a minute has lost its client anyway.
 */
export const PENDING_RESERVATION_TIMEOUT_MS = 60_000;

/** Which key, for whom: a key is only ever compared with the same user's keys on the same route. */
export interface IdempotencyScope {
  actorUserId: string;
  route: string;
  key: string;
}

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  responseBody: string;
  createdAt: string;
}

// Prepared once: they run on every money-moving POST that carries a key (redemptions at peak load).
const statements = cachedPerConnection((client) => ({
  find: client.prepare<[string, string, string], StoredAnswer>(
    `SELECT request_hash AS requestHash, status_code AS statusCode, response_body AS responseBody, created_at AS createdAt
       FROM idempotency_keys WHERE actor_user_id = ? AND route = ? AND key = ?`,
  ),
  // Conditional: of two retries racing for an abandoned reservation, one takes it.
  takeOver: client.prepare<[string, string, string, string, string, string]>(
    `UPDATE idempotency_keys SET request_hash = ?, created_at = ?
      WHERE actor_user_id = ? AND route = ? AND key = ? AND status_code = ${PENDING_STATUS} AND created_at < ?`,
  ),
  reserve: client.prepare<[string, string, string, string, number, string]>(
    `INSERT INTO idempotency_keys (key, actor_user_id, route, request_hash, status_code, response_body, created_at)
     VALUES (?, ?, ?, ?, ?, '', ?)`,
  ),
  complete: client.prepare<[number, string, string, string, string]>(
    'UPDATE idempotency_keys SET status_code = ?, response_body = ? WHERE actor_user_id = ? AND route = ? AND key = ?',
  ),
  release: client.prepare<[string, string, string]>('DELETE FROM idempotency_keys WHERE actor_user_id = ? AND route = ? AND key = ?'),
  purge: client.prepare<[string]>('DELETE FROM idempotency_keys WHERE created_at < ?'),
}));

/**
 * The answer already stored under this key, or undefined after reserving the key for this request
 * (a unique row: two concurrent requests with one key cannot both act). Inside a write transaction.
 */
export function reserveIdempotencyKey(db: DbOrTx, scope: IdempotencyScope, requestHash: string, now: Date): StoredAnswer | undefined {
  const st = statements(db);
  const found = st.find.get(scope.actorUserId, scope.route, scope.key);
  if (!found) {
    st.reserve.run(scope.key, scope.actorUserId, scope.route, requestHash, PENDING_STATUS, now.toISOString());
    return undefined;
  }
  if (found.statusCode === PENDING_STATUS) {
    const abandonedBefore = new Date(now.getTime() - PENDING_RESERVATION_TIMEOUT_MS).toISOString();
    const taken = st.takeOver.run(requestHash, now.toISOString(), scope.actorUserId, scope.route, scope.key, abandonedBefore);
    if (taken.changes === 1) return undefined;
  }
  return found;
}

/** Stores the answer of the request that reserved the key; a server error frees the key for a retry instead. */
export function settleIdempotencyKey(db: DbOrTx, scope: IdempotencyScope, statusCode: number, responseBody: string | null): void {
  const st = statements(db);
  if (statusCode >= 500 || responseBody === null) st.release.run(scope.actorUserId, scope.route, scope.key);
  else st.complete.run(statusCode, responseBody, scope.actorUserId, scope.route, scope.key);
}

/** Forgets the keys older than the retention; returns how many. */
export function purgeIdempotencyKeys(db: DbOrTx, now: Date): number {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_DAYS * 86_400_000).toISOString();
  return statements(db).purge.run(cutoff).changes;
}
