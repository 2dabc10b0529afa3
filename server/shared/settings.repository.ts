import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { settings } from '../../db/schema/accounts.ts';
import type { Config } from '../config.ts';

export const OPERATOR_FEE_SETTING = 'operator_fee_basis_points';

/** The operator fee in basis points: the stored setting when there is one, else the configured default. */
export function operatorFeeBasisPoints(db: DbOrTx, config: Pick<Config, 'operatorFeeBasisPoints'>): number {
  const row = db.select().from(settings).where(eq(settings.key, OPERATOR_FEE_SETTING)).get();
  return row ? Number(row.value) : config.operatorFeeBasisPoints;
}

export function setSetting(db: DbOrTx, key: string, value: string, at: string): void {
  db.insert(settings).values({ key, value, updatedAt: at }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at } }).run();
}
