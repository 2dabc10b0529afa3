import fp from 'fastify-plugin';
import { IDEMPOTENCY_RETENTION_DAYS, PENDING_RESERVATION_TIMEOUT_MS } from '../shared/idempotency-keys.ts';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { tellTheTruth, type UnschemedBodies } from './openapi-truth.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route that is not hidden from the API document: tests check each one is in it. */
    documentedRoutes: { method: string; url: string }[];
  }
}

/** One OpenAPI document generated from the zod schemas that validate the requests. */
export default fp(
  async (app) => {
    const documentedRoutes: { method: string; url: string }[] = [];
    const unschemedBodies: UnschemedBodies = new Map();
    app.decorate('documentedRoutes', documentedRoutes);
    app.addHook('onRoute', (route) => {
      // The documentation pages themselves are public.
      if (route.url.startsWith('/api/docs')) route.config = { ...route.config, access: 'public' };
      else if (!route.schema?.hide) {
        for (const method of [route.method].flat()) if (method !== 'HEAD') documentedRoutes.push({ method, url: route.url });
        // Public routes say so: no security requirement, whatever the document's default.
        if (route.config?.access === 'public' && route.schema && route.schema.security === undefined) {
          route.schema = { ...route.schema, security: [] };
        }
        const consumes = (route.schema as { consumes?: string[] } | undefined)?.consumes;
        if (consumes && !route.schema?.body) {
          const path = route.url.replace(/:(\w+)/g, '{$1}');
          for (const method of [route.method].flat()) unschemedBodies.set(`${method} ${path}`, consumes);
        }
      }
    });
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Pass numérique — API',
          description:
            'API de la plateforme ouverte du Pass numérique. Montants en centimes d’euro entiers (champs `…Cents`), dates `AAAA-MM-JJ` (Europe/Paris). Erreurs au format problem+json (RFC 9457) avec un `code` stable. ' +
            `Les POST qui déplacent de l’argent ou des pass acceptent l’en-tête Idempotency-Key : la même clé et le même corps rendent la première réponse pendant ${IDEMPOTENCY_RETENTION_DAYS} jours ; une clé dont la requête n’a pas abouti est libérée après ${PENDING_RESERVATION_TIMEOUT_MS / 1000} s. ` +
            'Base occupée par un traitement : 503 `service_busy` avec Retry-After, rien n’est écrit.',
          version: '1.0.0',
        },
        servers: [{ url: app.config.publicUrl }],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'Jeton créé par POST /api/v1/tokens' },
            sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pn_session', description: 'Session ouverte par POST /api/v1/session ; les requêtes qui modifient portent l’en-tête x-csrf-token' },
          },
        },
        security: [{ bearerAuth: [] }, { sessionCookie: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: (documentObject) =>
        tellTheTruth((documentObject as { openapiObject: Record<string, unknown> }).openapiObject, unschemedBodies) as never,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } });
    app.get('/api/v1/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
