import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrateDatabase, openDatabase } from '../../db/client.ts';

const MIGRATIONS = join(import.meta.dirname, '../../db/migrations');

/** The migrations folder as it stood before 0013: the same files, the journal cut after 0011. */
function migrationsBefore0013(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pn-mig-'));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= 11);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

t.test('migration 0013 keeps a combined credit note as issued, cites its invoice and releases the State share already credited', async (t) => {
  const db = openDatabase(':memory:');
  t.teardown(() => db.$client.close());
  migrate(db, { migrationsFolder: migrationsBefore0013() });
  const at = '2027-03-01T10:00:00.000Z';
  db.run(sql`INSERT INTO organisations (id, kind, name, status, created_at) VALUES ('b1', 'buyer', 'Département', 'active', ${at})`);
  db.run(sql`INSERT INTO cofinancing_programs (id, name, rate_basis_points, eligible_buyer_types, envelope_cents, committed_cents, starts_on, ends_on, created_at)
             VALUES ('p1', 'National', 5000, '["departement"]', 100000, 60000, '2026-01-01', '2027-12-31', ${at})`);
  db.run(sql`INSERT INTO orders (id, reference, buyer_id, status, booklet_count, passes_per_booklet, face_value_cents, valid_from, valid_until, program_id,
             total_cents, state_share_cents, buyer_share_cents, fee_basis_points, fee_cents, vat_cents, submitted_at, created_at)
             VALUES ('o1', 'CMD-2026-000001', 'b1', 'closed', 6, 20, 1000, '2026-01-01', '2026-12-31', 'p1', 120000, 60000, 60000, 0, 0, 0, ${at}, ${at})`);
  db.run(sql`INSERT INTO program_commitments (id, program_id, order_id, buyer_id, amount_cents, created_at) VALUES ('c1', 'p1', 'o1', 'b1', 60000, ${at})`);
  db.run(sql`INSERT INTO invoices (id, number, order_id, party, buyer_id, program_id, pass_value_cents, fee_cents, vat_cents, total_cents, issued_on, due_on, created_at)
             VALUES ('i1', 'FAC-2026-000001', 'o1', 'buyer', 'b1', 'p1', 60000, 0, 0, 60000, '2026-01-02', '2026-02-01', ${at}),
                    ('i2', 'FAC-2026-000002', 'o1', 'state', 'b1', 'p1', 60000, 0, 0, 60000, '2026-01-02', '2026-02-01', ${at})`);
  db.run(sql`INSERT INTO credit_notes (id, number, order_id, buyer_id, program_id, pass_count, total_cents, buyer_share_cents, state_share_cents, issued_on, journal_entry_id, created_at)
             VALUES ('n1', 'AV-2027-000001', 'o1', 'b1', 'p1', 40, 40000, 20000, 20000, '2027-02-01', 'e1', ${at})`);

  migrateDatabase(db);

  t.match(db.get(sql`SELECT number, party, corrects_invoice_id AS corrects, total_cents AS total, buyer_share_cents AS buyer, state_share_cents AS state FROM credit_notes`), {
    number: 'AV-2027-000001',
    party: 'buyer',
    corrects: 'i1',
    total: 40000,
    buyer: 20000,
    state: 20000,
  }, 'the issued note is unchanged, now citing the buyer invoice it corrected');
  t.same(db.all(sql`SELECT credit_note_id AS note, amount_cents AS amount FROM program_releases`), [{ note: 'n1', amount: 20000 }], 'its State share is released once');
  t.match(db.get(sql`SELECT committed_cents AS committed, released_cents AS released FROM cofinancing_programs`), { committed: 40000, released: 20000 }, 'remaining = 100 000 − 60 000 + 20 000');
});
