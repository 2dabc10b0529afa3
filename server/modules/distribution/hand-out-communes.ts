import type { DbOrTx } from '../../../db/client.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { getTerritories, type Commune } from '../territories/territories.ts';
import { bookletTerritoryRow } from './handouts.repository.ts';

/** How many communes are searched before the territory filter: the filter keeps some of them. */
const SEARCH_BEFORE_FILTER = 500;

/**
 * The territory a booklet's passes are valid in, when the actor may hand it out or see it (its
 * holder, its buyer, the operator); undefined otherwise, or for an unknown serial (then the commune
 * search stays national: the hand-out refuses the booklet itself, with its own message).
 */
export function bookletTerritoryFor(db: DbOrTx, actor: Actor, serial: string): TerritoryRestrictionColumn | null | undefined {
  const row = bookletTerritoryRow(db, serial.trim().toUpperCase());
  if (!row) return undefined;
  if (!isOperator(actor) && row.buyerId !== actor.organisationId && row.holderId !== actor.organisationId) return undefined;
  return row.territory;
}

/**
 * Communes matching what the prescriber typed, limited to the booklet's territory when the serial
 * is known: a Haute-Garonne booklet is never offered Colombes, refused only after sending.
 */
export function handOutCommunes(db: DbOrTx, actor: Actor, query: string, serial: string | undefined, limit: number): Commune[] {
  const territories = getTerritories();
  const territory = serial ? bookletTerritoryFor(db, actor, serial) : undefined;
  if (!territory) return territories.searchCommunes(query, limit);
  return territories
    .searchCommunes(query, SEARCH_BEFORE_FILTER)
    .filter((commune) => territories.isCommuneInTerritory(commune.code, territory))
    .slice(0, limit);
}
