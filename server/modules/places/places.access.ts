/** Who may act on a place: its own admins, the operator's. */
import type { DbOrTx } from '../../../db/client.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { findPlaceRow } from './places.repository.ts';
import { notPlaceAdmin, placeNotFound } from './places.errors.ts';

export function assertCanManage(actor: Actor, placeId: string, what: string): void {
  const own = actor.organisationKind === 'place' && actor.organisationId === placeId && actor.role === 'admin';
  const operator = isOperator(actor) && actor.role === 'admin';
  if (!own && !operator) throw notPlaceAdmin(what);
}

export function requirePlace(tx: DbOrTx, actor: Actor, placeId: string) {
  if (!isOperator(actor) && actor.organisationId !== placeId) throw placeNotFound();
  const place = findPlaceRow(tx, placeId);
  if (!place) throw placeNotFound();
  return place;
}
