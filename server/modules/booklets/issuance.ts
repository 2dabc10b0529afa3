import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { OrganisationRow } from '../accounts/accounts.repository.ts';
import type { OrderRow } from '../orders/orders.service.ts';
import { getTerritories } from '../territories/territories.ts';
import { newId } from '../../shared/secrets.ts';
import type { PassCodeFactory } from './pass-code.ts';

/**
 * A short prefix that says whose booklet it is, for people reading serials at a counter:
 * CD31 for the Haute-Garonne département, CR76 for a région, CM31555 for a commune, PN otherwise.
 */
export function bookletPrefix(buyer: Pick<OrganisationRow, 'buyerType' | 'communeCode'>): string {
  const commune = buyer.communeCode ? getTerritories().commune(buyer.communeCode) : undefined;
  if (buyer.buyerType === 'departement' && commune) return `CD${commune.departement}`;
  if (buyer.buyerType === 'region' && commune) return `CR${commune.region}`;
  if (buyer.buyerType === 'commune' && buyer.communeCode) return `CM${buyer.communeCode}`;
  return 'PN';
}

/** Reserves `count` consecutive values of a sequence in one statement; returns the first. */
function reserveRange(tx: DbOrTx, name: string, count: number): number {
  const row = tx.get<{ value: number }>(
    sql`INSERT INTO sequences (name, value) VALUES (${name}, ${count})
        ON CONFLICT(name) DO UPDATE SET value = value + ${count}
        RETURNING value`,
  );
  return row.value - count + 1;
}

/**
 * Issues every booklet and pass of an approved order, inside the approval transaction.
 * Rows go in through prepared statements reused for every row (no ORM object per row):
 * 100 000 passes take well under a few seconds. A code collision (50 random bits) is retried.
 */
export function issueBooklets(
  db: Db,
  tx: DbOrTx,
  input: { order: OrderRow; buyer: OrganisationRow; codes: PassCodeFactory; now: Date; year: string },
): { bookletCount: number; passCount: number } {
  const { order, buyer, codes, now, year } = input;
  const prefix = bookletPrefix(buyer);
  const first = reserveRange(tx, `booklet-${prefix}-${year}`, order.bookletCount);
  const createdAt = now.toISOString();
  // The raw connection is the one the transaction runs on: these statements are part of it.
  const insertBooklet = db.$client.prepare(
    `INSERT INTO booklets (id, serial, order_id, buyer_id, position, pass_count, status, holder_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'in_stock', ?, ?)`,
  );
  const insertPass = db.$client.prepare(
    `INSERT OR IGNORE INTO passes (code, booklet_id, order_id, position, face_value_cents, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'issued', ?)`,
  );
  for (let b = 0; b < order.bookletCount; b++) {
    const bookletId = newId();
    const serial = `${prefix}-${year}-${String(first + b).padStart(6, '0')}`;
    insertBooklet.run(bookletId, serial, order.id, order.buyerId, b + 1, order.passesPerBooklet, order.buyerId, createdAt);
    for (let p = 1; p <= order.passesPerBooklet; p++) {
      while (insertPass.run(codes.generate(), bookletId, order.id, p, order.faceValueCents, createdAt).changes !== 1) {
        // collision with an existing code: draw another
      }
    }
  }
  return { bookletCount: order.bookletCount, passCount: order.bookletCount * order.passesPerBooklet };
}
