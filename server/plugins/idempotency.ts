import fp from 'fastify-plugin';
import { PENDING_STATUS, purgeIdempotencyKeys, reserveIdempotencyKey, settleIdempotencyKey, type IdempotencyScope } from '../shared/idempotency-keys.ts';
import { sha256Hex } from '../shared/secrets.ts';
import { idempotencyKeyReused, idempotencyRequestInProgress, invalidIdempotencyKey } from '../shared/shared.errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POSTs that move money or passes accept an Idempotency-Key header (api.md conventions). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyReservation?: IdempotencyScope;
  }
}

const PURGE_EVERY_MS = 3600_000;

/**
 * Same key and same body → the first response again; same key, other body → 409.
 * The key is reserved before the handler runs (a unique row), so two concurrent requests with one key
 * cannot both act: the second gets 409 `idempotency_request_in_progress`.
 */
export default fp(
  async (app) => {
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
        throw invalidIdempotencyKey();
      }
      const route = `${request.method} ${request.url.split('?')[0]}`;
      const requestHash = sha256Hex(JSON.stringify(request.body ?? null));
      const scope = { actorUserId: request.actor.userId, route, key };
      // Through the group commit, like the redemptions these keys mostly guard: at peak load the
      // reservations and results of one event-loop turn share one commit instead of one each.
      const existing = await app.groupCommit.run(() => reserveIdempotencyKey(app.db, scope, requestHash, app.clock.now()));
      if (existing) {
        if (existing.requestHash !== requestHash) {
          throw idempotencyKeyReused();
        }
        if (existing.statusCode === PENDING_STATUS) {
          throw idempotencyRequestInProgress();
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
      await app.groupCommit.run(() => settleIdempotencyKey(app.db, scope, statusCode, typeof payload === 'string' ? payload : null));
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
