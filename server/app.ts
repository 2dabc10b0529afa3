import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Db } from '../db/client.ts';
import { fastifyTrustProxy, type Config } from './config.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { installFrenchValidationMessages } from './shared/french-errors.ts';
import './plugins/types.ts';
import databasePlugin from './plugins/database.ts';
import errorsPlugin, { clientErrorHandler, frameworkErrorHandler } from './plugins/errors.ts';
import securityHeadersPlugin from './plugins/security-headers.ts';
import authPlugin from './plugins/auth.ts';
import viewsPlugin from './plugins/views.ts';
import openapiPlugin from './plugins/openapi.ts';
import { healthRoutes } from './modules/health/health.api.ts';
import { accountsModule } from './modules/accounts/accounts.module.ts';
import { programsModule } from './modules/programs/programs.module.ts';
import { territoriesModule } from './modules/territories/territories.module.ts';
import { ordersModule } from './modules/orders/orders.module.ts';
import { bookletsModule } from './modules/booklets/booklets.module.ts';
import { bookletDetailModule } from './modules/booklet-detail/booklet-detail.module.ts';
import { financeModule } from './modules/finance/finance.module.ts';
import { distributionModule } from './modules/distribution/distribution.module.ts';
import { dashboardsModule } from './modules/dashboards/dashboards.module.ts';
import idempotencyPlugin from './plugins/idempotency.ts';
import { passCodeFactoryFor } from './modules/booklets/codes.ts';
import { placesModule } from './modules/places/places.module.ts';
import { redemptionModule } from './modules/redemption/redemption.module.ts';
import { siteModule } from './modules/site/site.module.ts';
import securityModule from './modules/security/security.module.ts';
import { jobsModule } from './modules/jobs/jobs.module.ts';
import { metricsPlugin } from './modules/operations/metrics.ts';
import { operationsModule } from './modules/operations/operations.module.ts';
import { publicModule } from './modules/public/public.module.ts';
import { oversightModule } from './modules/oversight/oversight.module.ts';
import { notificationsModule } from './modules/notifications/notifications.module.ts';

export interface AppDependencies {
  config: Config;
  db: Db;
  clock?: Clock;
  /** Pino options or false; tests pass false to keep output quiet. */
  logger?: boolean | Record<string, unknown>;
}

/** Builds the whole service as a Fastify instance that never listens: main.ts and every test call it. */
export async function buildApp({ config, db, clock = systemClock, logger }: AppDependencies): Promise<FastifyInstance> {
  installFrenchValidationMessages();
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      // Readable lines on a terminal, JSON lines for a log collector.
      ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
    },
    // One line per request is noise at national scale; errors and business events are logged explicitly.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 5 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', config);
  app.decorate('clock', clock);
  app.decorate('passCodes', passCodeFactoryFor(config));
  await app.register(databasePlugin, { db });

  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        // Browsers check form-action on the redirects that follow a form too: the ProConnect button
        // and the logout of a ProConnect session end at the provider.
        formAction: ["'self'", ...(config.proconnect ? [new URL(config.proconnect.issuer).origin] : [])],
        workerSrc: ["'self'", 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    hsts: config.secureCookies,
  });
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(authPlugin);
  await app.register(viewsPlugin);
  await app.register(openapiPlugin);
  await app.register(idempotencyPlugin);
  await app.register(jobsModule);
  await app.register(metricsPlugin);

  // One plugin per area (server/modules/<area>/<area>.module.ts): a new route touches its module only.
  for (const module of [
    securityModule,
    // Before the areas: they attach documents to their messages and schedule their notices on it.
    notificationsModule,
    healthRoutes,
    accountsModule,
    dashboardsModule,
    programsModule,
    territoriesModule,
    ordersModule,
    bookletsModule,
    bookletDetailModule,
    financeModule,
    distributionModule,
    placesModule,
    redemptionModule,
    siteModule,
    publicModule,
    oversightModule,
    operationsModule,
  ]) {
    await app.register(module);
  }

  return app;
}
