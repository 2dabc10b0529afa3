import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { startPlacesImport } from '../../server/modules/places/places.import-job.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { TEST_NOW } from '../helpers/app.ts';
import { secrets } from '../helpers/backups.ts';
import { killMidJobThenResume } from '../helpers/processes.ts';

// Child processes start slowly on a loaded machine: a watchdog, not a timing assertion.
t.setTimeout(600_000);

const ROWS = 2000;
const HEADER =
  'id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,typologie,telephone,courriels,site_web,horaires,presentation_resume,presentation_detail,source,itinerance,structure_parente,date_maj,services,publics_specifiquement_adresses,prise_en_charge_specifique,frais_a_charge,dispositif_programmes_nationaux,formations_labels,autres_formations_labels,modalites_acces,modalites_accompagnement,fiche_acces_libre,prise_rdv';
/** A valid SIRET per row (Luhn key), so that each row is a place of its own. */
function siret(i: number): string {
  const body = `8${String(i).padStart(12, '0')}`;
  for (let key = 0; key <= 9; key++) {
    const digits = `${body}${key}`;
    const sum = [...digits].reduce((acc, d, index) => {
      const n = Number(d) * (index % 2 === 0 ? 2 : 1);
      return acc + (n > 9 ? n - 9 : n);
    }, 0);
    if (sum % 10 === 0) return digits;
  }
  throw new Error('unreachable');
}
const row = (i: number) =>
  `crash-${i},${siret(i)},Lieu ${i},Colomiers,31770,31149,${i} rue du Test,,43.6112,1.3348,EPN,,,,,,,Test,,,2026-10-01,Accès internet et matériel informatique,,,Gratuit,,,,,,,`;

t.test('a service killed (kill -9) in the middle of a places import job leaves whole steps only, and the import completes after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-import-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  const databasePath = join(dataDir, 'passnum.sqlite');
  const db = openDatabase(databasePath);
  migrateDatabase(db);
  const content = [HEADER, ...Array.from({ length: ROWS }, (_, i) => row(i + 1))].join('\n');
  const { jobId } = startPlacesImport({ db, clock: new ManualClock(TEST_NOW), actor: null, content });
  db.$client.close();

  const reader = new Database(databasePath, { readonly: true });
  t.teardown(() => reader.close());
  const progress = () => reader.prepare('SELECT status, progress_done AS done, attempts, result FROM jobs WHERE id = ?').get(jobId) as { status: string; done: number; attempts: number; result: string | null };
  const sites = () => (reader.prepare("SELECT count(*) AS n FROM place_sites WHERE external_id LIKE 'crash-%'").get() as { n: number }).n;

  const end = await killMidJobThenResume(t, {
    dataDir,
    port: 3013,
    progress,
    atKill: (atKill) => {
      t.ok(atKill.status !== 'done', `killed mid-way (${atKill.done} of ${ROWS} rows)`);
      t.equal(sites(), atKill.done, 'the sites on disk are exactly the rows the job recorded: no step half-written');
    },
  });
  t.match(end, { status: 'done', done: ROWS, attempts: 2 });
  t.match(JSON.parse(end.result!), { total: ROWS, created: ROWS, updated: 0, unchanged: 0, rejected: 0 }, 'every row created once: the report of an import in one go');
  t.equal(sites(), ROWS, 'no row imported twice');
});
