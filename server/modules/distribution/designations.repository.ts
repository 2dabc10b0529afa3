/** Prescriber designations on an order: who may hold and hand out its booklets. */
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { prescriberDesignations } from '../../../db/schema/distribution.ts';
import { newId } from '../../shared/secrets.ts';

/** The prescriber's designation on the order that has not been revoked, if any. */
export function liveDesignation(db: DbOrTx, orderId: string, prescriberId: string) {
  return db
    .select()
    .from(prescriberDesignations)
    .where(and(eq(prescriberDesignations.orderId, orderId), eq(prescriberDesignations.prescriberId, prescriberId), isNull(prescriberDesignations.revokedAt)))
    .get();
}

/** The organisation a buyer names to designate, whatever its kind: the caller checks it is an active prescriber. */
export function organisationById(db: DbOrTx, organisationId: string) {
  return db.select().from(organisations).where(eq(organisations.id, organisationId)).get();
}

/** False when the prescriber already has a live designation on the order (the unique index says so). */
export function insertDesignation(tx: Tx, input: { orderId: string; prescriberId: string; designatedAt: string; designatedByUserId: string }): boolean {
  return tx.insert(prescriberDesignations).values({ id: newId(), ...input }).onConflictDoNothing().run().changes === 1;
}

export function revokeDesignation(tx: Tx, designationId: string, input: { revokedAt: string; revokedByUserId: string }): void {
  tx.update(prescriberDesignations)
    .set(input)
    .where(and(eq(prescriberDesignations.id, designationId), isNull(prescriberDesignations.revokedAt)))
    .run();
}
