/** What a place looks like to its readers: the place with its sites and (masked) bank details. */
import type { DbOrTx } from '../../../db/client.ts';
import { maskIban } from '../../shared/bank.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import type { PlaceView } from './places.schemas.ts';
import { bankAccountsOf, findPlaceRow, sitesOf, type BankAccountRow, type SiteRow } from './places.repository.ts';

export function siteToView(site: SiteRow) {
  return {
    id: site.id,
    name: site.name,
    address: site.address,
    postalCode: site.postalCode,
    communeCode: site.communeCode,
    communeName: getTerritories().commune(site.communeCode)?.name ?? null,
    services: site.services,
    openingHours: site.openingHours,
    free: site.free,
    active: site.active,
    externalId: site.externalId,
  };
}

const bankAccountToView = (account: BankAccountRow) => ({
  id: account.id,
  holder: account.holder,
  ibanMasked: maskIban(account.iban),
  bic: account.bic,
  status: account.status,
  submittedAt: account.submittedAt,
});

export function placeToView(db: DbOrTx, placeId: string): PlaceView | undefined {
  const place = findPlaceRow(db, placeId);
  if (!place) return undefined;
  const { validated, pending } = bankAccountsOf(db, placeId);
  return {
    id: place.organisationId,
    name: place.name,
    siret: place.siret,
    pivot: place.pivot,
    status: place.status,
    statusReason: place.statusReason,
    legalRepresentative: place.legalRepresentative,
    contactEmail: place.contactEmail,
    source: place.source,
    acceptsPassNumerique: place.acceptsPassNumerique,
    labelledAt: place.labelledAt,
    createdAt: place.createdAt,
    bankStatus: pending ? 'pending' : validated ? 'validated' : 'missing',
    bankAccount: validated ? bankAccountToView(validated) : null,
    pendingBankAccount: pending ? bankAccountToView(pending) : null,
    sites: sitesOf(db, placeId).map(siteToView),
  };
}

/** The place if the actor may see it: the operator, or the place's own users. Otherwise undefined (404). */
export function findPlaceFor(db: DbOrTx, actor: Actor, placeId: string): PlaceView | undefined {
  if (!isOperator(actor) && actor.organisationId !== placeId) return undefined;
  return placeToView(db, placeId);
}

/** Full IBANs, for the finance staff who check them against the RIB before validating. */
export function bankAccountsForReview(db: DbOrTx, actor: Actor, placeId: string) {
  if (!isOperator(actor)) return undefined;
  const { validated, pending } = bankAccountsOf(db, placeId);
  return { validated, pending };
}
