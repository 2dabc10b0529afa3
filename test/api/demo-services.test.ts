import t from 'tap';
import { sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { seedDemoData } from '../../db/seed/demo.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { testConfig, TEST_NOW } from '../helpers/app.ts';

t.test('demo redemptions are tagged with one of their place’s own services, some with none', async (t) => {
  const db = openDatabase(':memory:');
  t.teardown(() => db.$client.close());
  migrateDatabase(db);
  await seedDemoData(db, new ManualClock(TEST_NOW), passCodeFactoryFor(testConfig()));
  const rows = db.all<{ service: string | null; services: string }>(sql`
    SELECT r.service AS service, s.services AS services FROM redemptions r JOIN place_sites s ON s.id = r.site_id WHERE r.status = 'live'`);
  const tagged = rows.filter((r) => r.service !== null);
  t.ok(tagged.length >= 5, `${tagged.length} of ${rows.length} demo redemptions name a service`);
  t.ok(rows.some((r) => r.service === null), 'some name none (“Non précisé” on the dashboards)');
  t.ok(
    tagged.every((r) => (JSON.parse(r.services) as string[]).includes(r.service!)),
    'each from the place’s catalogue',
  );
  t.ok(new Set(tagged.map((r) => r.service)).size >= 3, 'several services, so the dashboards have groups to show');
});
