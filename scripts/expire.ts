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
import { countOf } from '../server/shared/plural.ts';
import { progressFor } from './progress.ts';

const config = loadConfigOrExit();
const db = openDatabase(config.databasePath);
migrateDatabase(db);
const due = ordersDueForExpiry(db, systemClock, config.gracePeriodDays);
console.log(`${countOf(due.length, 'commande arrivée', 'commandes arrivées')} en fin de validité avec des pass à expirer.`);
const progress = progressFor('Fin de validité', due.length);
const failures: string[] = [];
const notes: string[] = [];
let passCount = 0;
for (const [i, order] of due.entries()) {
  try {
    const { creditNotes, expiredPassCount } = expireOrder({ db, clock: systemClock, actor: null, orderId: order.id, gracePeriodDays: config.gracePeriodDays });
    passCount += expiredPassCount;
    for (const note of creditNotes) {
      const to = note.party === 'state' ? 'à l’État' : 'au commanditaire';
      notes.push(`${order.reference} : ${countOf(expiredPassCount, 'pass expiré', 'pass expirés')}, avoir ${note.number} ${to} de ${formatEuros(note.totalCents)}`);
    }
  } catch (error) {
    failures.push(`${order.reference} : échec — ${(error as Error).message}`);
  }
  progress.update(i + 1);
}
progress.stop();
// What it did, at the end: one line per credit note, then the failures.
for (const line of notes) console.log(line);
for (const line of failures) console.error(line);
console.log(`Terminé : ${countOf(due.length - failures.length, 'commande traitée', 'commandes traitées')}, ${countOf(passCount, 'pass expiré', 'pass expirés')}, ${countOf(notes.length, 'avoir émis', 'avoirs émis')}, ${countOf(failures.length, 'échec')}.`);
db.$client.close();
process.exit(failures.length > 0 ? 1 : 0);
