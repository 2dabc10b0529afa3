import { openDatabase, migrateDatabase } from '../db/client.ts';
import { closeDatabase } from '../db/files.ts';
import { isDatabaseEmpty, seedDemoData, DEMO_PASSWORD } from '../db/seed/demo.ts';
import { seedReferenceData } from '../db/seed/reference.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { join, resolve } from 'node:path';
import { explainStartupFailure } from './modules/operations/startup-errors.ts';
import { ensureBootstrapAdmin } from './modules/accounts/accounts.service.ts';
import { systemClock } from './shared/clock.ts';
import { passCodeFactoryFor } from './modules/booklets/codes.ts';
import { startInstanceHeartbeat } from './modules/operations/instances.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n\nCorrigez ces variables d’environnement puis relancez (voir le tableau « Configuration » du README).\n`);
      process.exit(1);
    }
    const dataDir = resolve(process.env.DATA_DIR || './data');
    const explained = explainStartupFailure(error, { dataDir, databasePath: join(dataDir, 'secrets.json') });
    if (explained) {
      console.error(`\n${explained}\n`);
      process.exit(1);
    }
    throw error;
  }
  try {
    await start(config);
  } catch (error) {
    const explained = explainStartupFailure(error, config);
    if (!explained) throw error;
    console.error(`\n${explained}\n`);
    process.exit(1);
  }
}

async function start(config: Config): Promise<void> {
  const db = openDatabase(config.databasePath);
  migrateDatabase(db);
  const clock = systemClock;
  // Reference data (public categories) is needed by every instance, with or without the demo set.
  db.transaction((tx) => seedReferenceData(tx, clock));

  if (config.demoData && isDatabaseEmpty(db)) {
    const logins = await seedDemoData(db, clock, passCodeFactoryFor(config), config.gracePeriodDays);
    console.log('\nJeu de démonstration chargé. Comptes (mot de passe commun : %s) :', DEMO_PASSWORD);
    for (const login of logins) console.log(`  - ${login.email.padEnd(42)} ${login.kind}/${login.role} — ${login.organisation}`);
    console.log('');
  }
  // After the demo set: the demo loads only on an empty database, and the administrator joins its operator.
  if (config.bootstrapAdmin) {
    const created = await ensureBootstrapAdmin({ db, clock, ...config.bootstrapAdmin });
    if (created) console.log(`Administrateur de l’opérateur créé : ${config.bootstrapAdmin.email}`);
  }

  const app = await buildApp({ config, db, clock });
  // Tells `npm run restore` that this database is in use (see instances.ts).
  const heartbeat = startInstanceHeartbeat({ db, clock });

  // Graceful shutdown: stop accepting connections, let requests finish, then close the database.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'arrêt en cours');
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    await app.close();
    heartbeat.stop();
    closeDatabase(db);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  console.log(`Pass numérique est prêt : ${config.publicUrl}`);
}

await main();
