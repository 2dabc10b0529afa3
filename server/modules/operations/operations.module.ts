import type { FastifyPluginAsync } from 'fastify';
import { operationsPages } from './operations.pages.ts';
import { builtInTasks } from './operations.tasks.ts';

/**
 * The operator's own work: the built-in scheduled tasks (expiry, purges, nightly backup…) registered
 * on the shared scheduler, and the page that shows their runs. Operations uses the jobs module, never
 * the other way round.
 */
export const operationsModule: FastifyPluginAsync = async (app) => {
  for (const task of builtInTasks(app)) app.scheduler.register(task);
  await app.register(operationsPages);
};
