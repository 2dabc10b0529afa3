/**
 * Issuance writes hundreds of thousands of rows for a large order: its statements are prepared once
 * per connection and run on the raw connection, inside the caller's transaction (no ORM object per row).
 */
import { cachedPerConnection } from '../../../db/client.ts';

export const issuanceStatements = cachedPerConnection((client) => ({
  insertBooklet: client.prepare(
    `INSERT INTO booklets (id, serial, order_id, buyer_id, position, pass_count, status, holder_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'in_stock', ?, ?)`,
  ),
  insertPass: client.prepare(
    `INSERT OR IGNORE INTO passes (code, booklet_id, order_id, position, face_value_cents, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'issued', ?)`,
  ),
  issuedCount: client.prepare<[string], { n: number }>('SELECT count(*) AS n FROM booklets WHERE order_id = ?'),
}));
