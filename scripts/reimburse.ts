/**
 * Builds the reimbursement batch of a closed month (default: last month), as finance would from the
 * batches page. Building twice is a no-op.
 *   npm run reimburse -- 2026-10
 */
import { migrateDatabase, openDatabase } from '../db/client.ts';
import { loadConfigOrExit } from '../server/config.ts';
import { buildBatch, waitingPlaces } from '../server/modules/finance/reimbursement.service.ts';
import { systemClock } from '../server/shared/clock.ts';
import { formatEuros } from '../server/shared/money.ts';
import { parisMonth } from '../server/shared/paris-time.ts';
import { DomainError } from '../server/shared/problem.ts';

const argument = process.argv[2];
const lastMonth = () => {
  const [y, m] = parisMonth(systemClock.now()).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
const period = argument ?? lastMonth();
if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) {
  console.error(`Mois invalide : « ${period} ». Format attendu : AAAA-MM, par exemple 2026-10.`);
  process.exit(2);
}
const config = loadConfigOrExit();
const db = openDatabase(config.databasePath);
migrateDatabase(db);
console.log(`Préparation du lot de remboursement de ${period}…`);
try {
  const started = Date.now();
  const { batch, created } = buildBatch({ db, clock: systemClock, actor: null, period });
  console.log(
    `${created ? 'Lot créé' : 'Le lot existait déjà'} : ${batch.payoutCount} virement(s), ${batch.lineCount} pass, ${formatEuros(batch.totalCents)} (${Date.now() - started} ms).`,
  );
  for (const w of waitingPlaces(db, period)) console.log(`  en attente (coordonnées bancaires non validées) : ${w.name} — ${w.n} pass, ${formatEuros(w.total)}`);
  console.log('À approuver par les finances sur la page « Remboursements ».');
} catch (error) {
  if (error instanceof DomainError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
} finally {
  db.$client.close();
}
