/**
 * Daily job: expires the unredeemed passes of every order whose grace period has ended and raises
 * the credit notes. Safe to run twice or concurrently: each pass is expired exactly once.
 *   npm run expire
 */
import { migrateDatabase, openDatabase } from '../db/client.ts';
import { loadConfigOrExit } from '../server/config.ts';
import { expireOrder, ordersDueForExpiry } from '../server/modules/finance/expiry.service.ts';
import { systemClock } from '../server/shared/clock.ts';
import { formatEuros } from '../server/shared/money.ts';

const config = loadConfigOrExit();
const db = openDatabase(config.databasePath);
migrateDatabase(db);
const due = ordersDueForExpiry(db, systemClock, config.gracePeriodDays);
console.log(`${due.length} commande(s) arrivée(s) en fin de validité avec des pass à expirer.`);
let failures = 0;
for (const [i, order] of due.entries()) {
  try {
    const { creditNote, expiredPassCount } = expireOrder({ db, clock: systemClock, actor: null, orderId: order.id, gracePeriodDays: config.gracePeriodDays });
    console.log(
      `[${i + 1}/${due.length}] ${order.reference} : ${expiredPassCount} pass expirés` +
        (creditNote ? `, avoir ${creditNote.number} de ${formatEuros(creditNote.totalCents)}` : ' (déjà traité)'),
    );
  } catch (error) {
    failures++;
    console.error(`[${i + 1}/${due.length}] ${order.reference} : échec — ${(error as Error).message}`);
  }
}
db.$client.close();
process.exit(failures > 0 ? 1 : 0);
