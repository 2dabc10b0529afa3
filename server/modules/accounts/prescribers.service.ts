import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { newId } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { enqueueMessage, enqueueToOrganisation } from '../notifications/outbox.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import { createInvitedUser } from './accounts.service.ts';
import { findUserByEmail } from './accounts.repository.ts';
import type { AddPrescriberInput } from './prescribers.schemas.ts';
import { findOrganisationBySiret, findPrescriber, insertPrescriberOrganisation, linkPrescriber, listNetwork, setPrescriberStatus } from './prescribers.repository.ts';
import { contactEmailAlreadyUsed, onlyBuyerAdminsAddPrescribers, onlyOperatorAdminsSuspendPrescribers, operatorOnly, prescriberNotFound, prescribersForBuyersAndOperator, siretUsedByOtherOrganisation } from './accounts.errors.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

/**
 * A buyer builds its own prescriber network. The prescriber is one organisation per SIRET: a second
 * buyer adding the same SIRET reuses it (its users keep their accounts, they are told who added
 * them); a new one is created and its contact invited as its admin. Either way the buyer may then
 * designate it on its orders.
 */
export function addPrescriber({ db, clock, actor, input }: Deps & { actor: Actor; input: AddPrescriberInput }): { id: string; created: boolean } {
  if (actor.organisationKind !== 'buyer' || actor.role !== 'admin') throw onlyBuyerAdminsAddPrescribers();
  return db.transaction(
    (tx) => {
      const now = clock.now().toISOString();
      const sameSiret = findOrganisationBySiret(tx, input.siret);
      const existing = sameSiret.find((o) => o.kind === 'prescriber');
      if (!existing && sameSiret.length > 0) {
        throw siretUsedByOtherOrganisation(input.siret);
      }
      const link = { id: newId(), buyerId: actor.organisationId, addedByUserId: actor.userId, createdAt: now };
      const data = { buyerName: actor.organisationName };
      if (existing) {
        linkPrescriber(tx, { ...link, prescriberId: existing.id, created: false });
        enqueueToOrganisation({ tx, clock, template: 'prescriber_added', organisationId: existing.id, roles: ['admin'], data: { ...data, prescriberName: existing.name } });
        recordAudit(tx, clock, actor, 'prescriber.added_to_network', { type: 'organisation', id: existing.id }, { buyerId: actor.organisationId, created: false });
        return { id: existing.id, created: false };
      }
      if (findUserByEmail(tx, input.contactEmail)) {
        throw contactEmailAlreadyUsed(input.contactEmail);
      }
      const id = newId();
      insertPrescriberOrganisation(tx, { id, name: input.name, siret: input.siret, communeCode: input.communeCode, kind: input.kind, createdAt: now });
      linkPrescriber(tx, { ...link, prescriberId: id, created: true });
      const { userId, token, expiresAt } = createInvitedUser(tx, clock, actor, { organisationId: id, email: input.contactEmail, name: `Contact de ${input.name}`.slice(0, 120), role: 'admin' });
      enqueueMessage({ tx, clock, template: 'prescriber_added', to: { email: input.contactEmail, userId, organisationId: id }, data: { ...data, prescriberName: input.name, token, expiresAt } });
      recordAudit(tx, clock, actor, 'prescriber.added_to_network', { type: 'organisation', id }, { buyerId: actor.organisationId, created: true, kind: input.kind });
      return { id, created: true };
    },
    { behavior: 'immediate' },
  );
}

export function prescriberNetwork({ db, actor }: { db: Db; actor: Actor }) {
  if (isOperator(actor)) return listNetwork(db, {});
  if (actor.organisationKind === 'buyer') return listNetwork(db, { buyerId: actor.organisationId });
  throw prescribersForBuyersAndOperator();
}

/** The operator suspends a prescriber: it can no longer be designated, its users keep their accounts. */
export function setPrescriberSuspended({ db, clock, actor, prescriberId, suspended }: Deps & { actor: Actor; prescriberId: string; suspended: boolean }) {
  if (!isOperator(actor) || actor.role !== 'admin') throw onlyOperatorAdminsSuspendPrescribers();
  db.transaction((tx) => {
    if (!setPrescriberStatus(tx, prescriberId, suspended ? 'suspended' : 'active')) throw prescriberNotFound();
    credentialsChanged(tx);
    recordAudit(tx, clock, actor, suspended ? 'prescriber.suspended' : 'prescriber.reinstated', { type: 'organisation', id: prescriberId });
  });
  return { id: prescriberId, status: suspended ? 'suspended' : 'active' };
}

/** A prescriber for the operator's confirmation page; another kind of organisation is a 404. */
export function prescriberForOperator({ db, actor, prescriberId }: { db: Db; actor: Actor; prescriberId: string }) {
  if (!isOperator(actor)) throw operatorOnly();
  const found = findPrescriber(db, prescriberId);
  if (!found) throw prescriberNotFound();
  return found;
}
