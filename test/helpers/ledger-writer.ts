/**
 * A separate process that commits journal entries as fast as it can until it is killed: the
 * "service writing" side of the backup tests. Prints "ready" once its first entry is committed.
 *   node --import tsx test/helpers/ledger-writer.ts <database file>
 */
import { openDatabase } from '../../db/client.ts';
import { postEntry } from '../../server/modules/finance/ledger.ts';
import { systemClock } from '../../server/shared/clock.ts';

const db = openDatabase(process.argv[2]!);
let n = 0;
const writeOne = () => {
  n++;
  db.transaction(
    (tx) => {
      postEntry(tx, systemClock, {
        kind: 'test_writer',
        refType: 'test',
        refId: `w${process.pid}-${n}`,
        label: 'Écriture du test de sauvegarde',
        idempotencyKey: `test-writer:${process.pid}:${n}`,
        lines: [
          { account: 'bank', debitCents: 100 + (n % 7) },
          { account: 'fees:revenue', creditCents: 100 + (n % 7) },
        ],
      });
    },
    { behavior: 'immediate' },
  );
};
writeOne();
process.stdout.write('ready\n');
// Commit after commit, giving the event loop a turn now and then so that SIGTERM is heard.
const burst = () => {
  for (let i = 0; i < 20; i++) writeOne();
  setImmediate(burst);
};
burst();
