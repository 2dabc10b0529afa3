import fp from 'fastify-plugin';
import { cachedPerConnection, type Db } from '../../db/client.ts';
import { badRequest, conflict } from '../shared/problem.ts';
import { sha256Hex } from '../shared/secrets.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POSTs that move money or passes accept an Idempotency-Key header (api.md conventions). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyReservation?: { actorUserId: string; route: string; key: string };
  }
}

const PENDING = 0;

/**
 * How long a key is remembered. A client retries within minutes (a place's phone back on the
 * network, an integration's retry loop); a week covers a long weekend without a connection, and
 * keeps the table at about a week of money-moving requests instead of growing forever.
 */
export const IDEMPOTENCY_RETENTION_DAYS = 7;
const PURGE_EVERY_MS = 3600_000;

// Prepared once: they run on every money-moving POST that carries a key (redemptions at peak load).
const statements = cachedPerConnection((client) => ({
  find: client.prepare<[string, string, string], { requestHash: string; statusCode: number; responseBody: string }>(
    `SELECT request_hash AS requestHash, status_code AS statusCode, response_body AS responseBody
       FROM idempotency_keys WHERE actor_user_id = ? AND route = ? AND key = ?`,
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

/** Forgets the keys older than the retention; returns how many. */
export function purgeIdempotencyKeys(db: Db, now: Date): number {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_DAYS * 86_400_000).toISOString();
  return statements(db).purge.run(cutoff).changes;
}

/**
 * Same key and same body → the first response again; same key, other body → 409.
 * The key is reserved before the handler runs (a unique row), so two concurrent requests with one key
 * cannot both act: the second gets 409 `idempotency_request_in_progress`.
 */
export default fp(
  async (app) => {
    const st = statements(app.db);
    // At start, then every hour, off the request path; the timer does not keep the process alive.
    let purgeTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      purgeIdempotencyKeys(app.db, app.clock.now());
      purgeTimer = setInterval(() => purgeIdempotencyKeys(app.db, app.clock.now()), PURGE_EVERY_MS).unref();
    });
    app.addHook('onClose', async () => clearInterval(purgeTimer));
    app.addHook('preHandler', async (request, reply) => {
      if (!request.routeOptions.config.idempotent) return;
      const key = request.headers['idempotency-key'];
      if (key === undefined || !request.actor) return;
      if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
        throw badRequest('invalid_idempotency_key', 'L’en-tête Idempotency-Key doit contenir de 1 à 200 caractères.');
      }
      const route = `${request.method} ${request.url.split('?')[0]}`;
      const requestHash = sha256Hex(JSON.stringify(request.body ?? null));
      const scope = { actorUserId: request.actor.userId, route, key };
      // Through the group commit, like the redemptions these keys mostly guard: at peak load the
      // reservations and results of one event-loop turn share one commit instead of one each.
      const existing = await app.groupCommit.run(() => {
        const found = st.find.get(scope.actorUserId, route, key);
        if (!found) st.reserve.run(key, scope.actorUserId, route, requestHash, PENDING, app.clock.now().toISOString());
        return found;
      });
      if (existing) {
        if (existing.requestHash !== requestHash) {
          throw conflict('idempotency_key_reused', 'Cette clé d’idempotence a déjà servi pour une autre requête.');
        }
        if (existing.statusCode === PENDING) {
          throw conflict('idempotency_request_in_progress', 'Une requête avec cette clé d’idempotence est en cours.');
        }
        return reply
          .code(existing.statusCode)
          .header('idempotent-replayed', 'true')
          .type(existing.statusCode >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8')
          .send(existing.responseBody);
      }
      request.idempotencyReservation = scope;
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const scope = request.idempotencyReservation;
      if (!scope) return payload;
      // Server errors are not remembered: the client may retry them with the same key.
      const statusCode = reply.statusCode;
      await app.groupCommit.run(() => {
        if (statusCode >= 500 || typeof payload !== 'string') st.release.run(scope.actorUserId, scope.route, scope.key);
        else st.complete.run(statusCode, payload, scope.actorUserId, scope.route, scope.key);
      });
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
