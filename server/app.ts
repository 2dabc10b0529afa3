import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Db } from '../db/client.ts';
import { startCheckpointer } from '../db/checkpointer.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { fastifyTrustProxy, type Config } from './config.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { installFrenchValidationMessages } from './shared/french-errors.ts';
import './plugins/types.ts';
import errorsPlugin, { clientErrorHandler, frameworkErrorHandler } from './plugins/errors.ts';
import securityHeadersPlugin from './plugins/security-headers.ts';
import authPlugin from './plugins/auth.ts';
import viewsPlugin from './plugins/views.ts';
import openapiPlugin from './plugins/openapi.ts';
import { healthRoutes } from './modules/health/health.api.ts';
import { accountsApi } from './modules/accounts/accounts.api.ts';
import { accountsPages } from './modules/accounts/accounts.pages.ts';
import { ledgerApi } from './modules/finance/ledger.api.ts';
import { ledgerPages } from './modules/finance/ledger.pages.ts';
import { programsApi } from './modules/programs/programs.api.ts';
import { publicCategoriesApi } from './modules/programs/public-categories.api.ts';
import { programsPages } from './modules/programs/programs.pages.ts';
import { territoriesApi } from './modules/territories/territories.api.ts';
import { LoginThrottle } from './modules/accounts/login-throttle.ts';
import idempotencyPlugin from './plugins/idempotency.ts';
import { passCodeFactoryFor } from './modules/booklets/codes.ts';
import { ordersApi } from './modules/orders/orders.api.ts';
import { ordersPages } from './modules/orders/orders.pages.ts';
import { invoicesApi } from './modules/finance/invoices.api.ts';
import { invoicesPages } from './modules/finance/invoices.pages.ts';
import { bookletsApi } from './modules/booklets/booklets.api.ts';
import { bookletsPages } from './modules/booklets/booklets.pages.ts';
import { creditNotesApi } from './modules/finance/credit-notes.api.ts';
import { exportsApi } from './modules/finance/exports.api.ts';
import { financeJobs } from './modules/finance/finance-jobs.ts';
import { reimbursementApi } from './modules/finance/reimbursement.api.ts';
import { bankStatementsApi } from './modules/finance/bank-statements.api.ts';
import { financePages } from './modules/finance/finance.pages.ts';
import { distributionApi } from './modules/distribution/distribution.api.ts';
import { distributionPages } from './modules/distribution/distribution.pages.ts';
import { placesModule } from './modules/places/places.module.ts';
import { redemptionModule } from './modules/redemption/redemption.module.ts';
import { siteModule } from './modules/site/site.module.ts';
import securityModule from './modules/security/security.module.ts';
import { jobsModule } from './modules/jobs/jobs.module.ts';
import { metricsPlugin } from './modules/operations/metrics.ts';
import { publicModule } from './modules/public/public.module.ts';
import { oversightModule } from './modules/oversight/oversight.module.ts';
import { notificationsModule } from './modules/notifications/notifications.module.ts';
import { selfServiceModule } from './modules/accounts/self-service.module.ts';

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
  app.decorate('db', db);
  app.decorate('clock', clock);
  app.decorate('passCodes', passCodeFactoryFor(config));
  app.decorate('groupCommit', new GroupCommit(db.$client));
  const checkpointer = startCheckpointer(db.$client, { onError: (message) => app.log.warn({ message }, 'WAL checkpoint failed') });
  app.addHook('onClose', () => checkpointer.stop());
  app.decorate('checkpointer', checkpointer);

  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
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

  await app.register(securityModule);
  const loginThrottle = new LoginThrottle(clock);
  await app.register(healthRoutes);
  await app.register(accountsApi, { prefix: '/api/v1', loginThrottle });
  await app.register(accountsPages, { loginThrottle });
  await app.register(ledgerApi, { prefix: '/api/v1' });
  await app.register(ledgerPages);
  await app.register(programsApi, { prefix: '/api/v1' });
  await app.register(publicCategoriesApi, { prefix: '/api/v1' });
  await app.register(territoriesApi, { prefix: '/api/v1' });
  await app.register(programsPages);
  await app.register(ordersApi, { prefix: '/api/v1' });
  await app.register(ordersPages);
  await app.register(invoicesApi, { prefix: '/api/v1' });
  await app.register(invoicesPages);
  await app.register(bookletsApi, { prefix: '/api/v1' });
  await app.register(bookletsPages);
  await app.register(creditNotesApi, { prefix: '/api/v1' });
  await app.register(exportsApi, { prefix: '/api/v1' });
  await app.register(reimbursementApi, { prefix: '/api/v1' });
  await app.register(bankStatementsApi, { prefix: '/api/v1' });
  await app.register(financePages);
  await app.register(financeJobs);
  await app.register(distributionApi, { prefix: '/api/v1' });
  await app.register(distributionPages);
  await app.register(placesModule);
  await app.register(redemptionModule);
  await app.register(siteModule);
  await app.register(publicModule);
  await app.register(oversightModule);
  await app.register(notificationsModule);
  await app.register(selfServiceModule);

  return app;
}
