import type { Tx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { createInvitedUser } from '../accounts/accounts.service.ts';
import { enqueueMessage, enqueueToOrganisation } from '../notifications/outbox.ts';
import { emailInUse, organisationHasUsers } from '../notifications/outbox.repository.ts';

/**
 * Messages of a place's life, each called inside the transaction of its event by the places
 * module: application received, decision (labelled: its contact invited as the place's admin when
 * the place has nobody yet; suspended), bank details validated or rejected.
 */
interface PlaceFacts {
  placeId: string;
  placeName: string;
  contactEmail: string | null;
}

export function notifyPlaceApplied({ tx, clock, place }: { tx: Tx; clock: Clock; place: PlaceFacts }): void {
  if (!place.contactEmail) return;
  enqueueMessage({ tx, clock, template: 'place_application_received', to: { email: place.contactEmail, organisationId: place.placeId }, data: { placeName: place.placeName } });
}

export function notifyPlaceDecision(args: { tx: Tx; clock: Clock; actor: Actor; place: PlaceFacts; decision: string; reason?: string | null }): void {
  const { tx, clock, actor, place, decision, reason } = args;
  if (decision === 'label' || decision === 'reinstate') {
    // The contact becomes the place's admin when nobody uses the place yet: the label is how it gets its account.
    if (!organisationHasUsers(tx, place.placeId) && place.contactEmail && !emailInUse(tx, place.contactEmail)) {
      const { userId, token, expiresAt } = createInvitedUser(tx, clock, actor, {
        organisationId: place.placeId,
        email: place.contactEmail,
        name: `Administrateur de ${place.placeName}`.slice(0, 120),
        role: 'admin',
      });
      enqueueMessage({
        tx,
        clock,
        template: 'place_labelled',
        to: { email: place.contactEmail, userId, organisationId: place.placeId },
        data: { placeName: place.placeName, token, expiresAt },
      });
      return;
    }
    const sent = enqueueToOrganisation({ tx, clock, template: 'place_labelled', organisationId: place.placeId, roles: ['admin'], data: { placeName: place.placeName } });
    if (sent.length === 0 && place.contactEmail) {
      enqueueMessage({ tx, clock, template: 'place_labelled', to: { email: place.contactEmail, organisationId: place.placeId }, data: { placeName: place.placeName } });
    }
    return;
  }
  if (decision === 'suspend') {
    enqueueToOrganisation({ tx, clock, template: 'place_suspended', organisationId: place.placeId, roles: ['admin', 'agent'], data: { placeName: place.placeName, reason: reason ?? null } });
  }
}

export function notifyBankDecision(args: { tx: Tx; clock: Clock; placeId: string; placeName: string; iban: string; validated: boolean; reason?: string }): void {
  const { tx, clock, placeId, placeName, iban, validated, reason } = args;
  enqueueToOrganisation({
    tx,
    clock,
    template: validated ? 'bank_details_validated' : 'bank_details_rejected',
    organisationId: placeId,
    roles: ['admin'],
    // Never the full IBAN in a mail: its last four characters tell which account is meant.
    data: { placeName, ibanEnd: iban.slice(-4), reason: reason ?? null },
  });
}
