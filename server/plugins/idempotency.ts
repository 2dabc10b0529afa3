import fp from 'fastify-plugin';
import { and, eq } from 'drizzle-orm';
import { idempotencyKeys } from '../../db/schema/accounts.ts';
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
 * Same key and same body → the first response again; same key, other body → 409.
 * The key is reserved before the handler runs (a unique row), so two concurrent requests with one key
 * cannot both act: the second gets 409 `idempotency_request_in_progress`.
 */
export default fp(
  async (app) => {
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
      const existing = app.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.actorUserId, scope.actorUserId), eq(idempotencyKeys.route, route), eq(idempotencyKeys.key, key)))
        .get();
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
      app.db
        .insert(idempotencyKeys)
        .values({ ...scope, requestHash, statusCode: PENDING, responseBody: '', createdAt: app.clock.now().toISOString() })
        .run();
      request.idempotencyReservation = scope;
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const scope = request.idempotencyReservation;
      if (!scope) return payload;
      const where = and(
        eq(idempotencyKeys.actorUserId, scope.actorUserId),
        eq(idempotencyKeys.route, scope.route),
        eq(idempotencyKeys.key, scope.key),
      );
      // Server errors are not remembered: the client may retry them with the same key.
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        app.db.delete(idempotencyKeys).where(where).run();
      } else {
        app.db.update(idempotencyKeys).set({ statusCode: reply.statusCode, responseBody: payload }).where(where).run();
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
