import { cachedPerConnection, type DbOrTx } from '../../../db/client.ts';
import type { BookletStatus, PassStatus } from '../../../db/schema/booklets.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';

/** What the redeemability rule needs to know of a pass: the pass, its booklet's status, its order's terms. */
export interface PassFacts {
  id: number;
  code: string;
  status: PassStatus;
  faceValueCents: number;
  orderId: string;
  bookletId: string;
  bookletStatus: BookletStatus;
  validFrom: string;
  validUntil: string;
  fundedAt: string | null;
  territory: TerritoryRestrictionColumn | null;
  allowedServices: string[] | null;
}

type PassFactsRow = Omit<PassFacts, 'territory' | 'allowedServices'> & { territory: string | null; allowedServices: string | null };

/**
 * Every check of a pass reads these facts (the lookup, the redemption, the test at the counter), and
 * the lookup and the redemption run at national peak load: one statement, prepared once per
 * connection, instead of a query built and parsed on every request. Run on the connection of the
 * database or transaction given.
 */
const statements = cachedPerConnection((client) => ({
  byCode: client.prepare<[string], PassFactsRow>(
    `SELECT p.id, p.code, p.status, p.face_value_cents AS faceValueCents, p.order_id AS orderId, p.booklet_id AS bookletId,
            b.status AS bookletStatus, o.valid_from AS validFrom, o.valid_until AS validUntil, o.funded_at AS fundedAt,
            o.territory, o.allowed_services AS allowedServices
       FROM passes p JOIN booklets b ON b.id = p.booklet_id JOIN orders o ON o.id = p.order_id
      WHERE p.code = ?`,
  ),
}));

/**
 * The facts of the pass with this code; undefined when there is none. Not scoped to an organisation
 * on purpose: any labelled place may be handed any pass, so a place (or the operator) looks codes up
 * across every order. Callers only get here with a code whose signature has been verified.
 */
export function findPassFacts(db: DbOrTx, code: string): PassFacts | undefined {
  const row = statements(db).byCode.get(code);
  if (!row) return undefined;
  return {
    ...row,
    territory: row.territory === null ? null : (JSON.parse(row.territory) as TerritoryRestrictionColumn | null),
    allowedServices: row.allowedServices === null ? null : (JSON.parse(row.allowedServices) as string[] | null),
  };
}
