/**
 * A place's bank details: submitted by the place, validated or rejected by finance (four-eyes on
 * what is paid: the details only count once validated, see payable.ts). Its queries are in
 * bank-accounts.repository.ts.
 */
import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { maskIban } from '../../shared/bank.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { recordSecurityEvent } from '../security/security-events.repository.ts';
import { assertPayableBankDetails } from './bank-rules.ts';
import { notifyBankDecision } from './place-notices.ts';
import type { BankDetailsInput, PlaceView } from './places.schemas.ts';
import { assertCanManage, requirePlace } from './places.access.ts';
import { placeToView } from './places.views.ts';
import { bankAccountsOf, findPlaceRow, type BankAccountRow } from './places.repository.ts';
import { insertPendingBankAccount, putPendingBankAccountInForce, rejectPendingBankAccount, replacePendingBankAccount } from './bank-accounts.repository.ts';
import { bankDetailsChangedMeanwhile, fourEyesRequired, noPendingBankDetails, onlyFinanceValidatesBankDetails } from './places.errors.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

/**
 * New bank details are never in force at once: they wait as `pending` for finance, the previous
 * validated ones stay in force for what is already due, and the place stays out of new batches
 * until the change is validated. Submitting the details already in force changes nothing.
 */
export function submitBankDetails(deps: Deps & { actor: Actor; placeId: string; input: BankDetailsInput; operatorIban: string }): PlaceView {
  const { db, clock, actor, placeId, input } = deps;
  assertPayableBankDetails(input, { operatorIban: deps.operatorIban, holderField: 'holder' });
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      assertCanManage(actor, placeId, 'les coordonnées bancaires');
      const { validated, pending } = bankAccountsOf(tx, placeId);
      const same = (a?: BankAccountRow) => a && a.iban === input.iban && a.bic === input.bic && a.holder === input.holder;
      if (same(pending) || (same(validated) && !pending)) return placeToView(tx, placeId)!;
      const now = clock.now().toISOString();
      if (pending) replacePendingBankAccount(tx, pending.id, now);
      // Back to the details in force: nothing new for finance to check.
      if (same(validated)) {
        recordAudit(tx, clock, actor, 'place.bank_details_change_withdrawn', { type: 'place', id: placeId });
        return placeToView(tx, placeId)!;
      }
      insertPendingBankAccount(tx, { placeId, holder: input.holder, iban: input.iban, bic: input.bic, submittedAt: now, submittedByUserId: actor.userId });
      recordAudit(tx, clock, actor, 'place.bank_details_submitted', { type: 'place', id: placeId }, {
        iban: maskIban(input.iban),
        previousIban: validated ? maskIban(validated.iban) : null,
      });
      recordSecurityEvent(tx, clock, {
        kind: 'place.bank_details_changed',
        userId: actor.userId,
        organisationId: placeId,
        data: { iban: maskIban(input.iban), previousIban: validated ? maskIban(validated.iban) : null },
      });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

export function assertFinance(actor: Actor): void {
  if (!isOperator(actor) || (actor.role !== 'finance' && actor.role !== 'admin')) {
    throw onlyFinanceValidatesBankDetails();
  }
}

/** Finance puts pending details in force; the previous ones are kept as `replaced`. Four eyes: not by who submitted them. */
export function validateBankDetails(deps: Deps & { actor: Actor; placeId: string }): PlaceView {
  const { db, clock, actor, placeId } = deps;
  assertFinance(actor);
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      const { pending } = bankAccountsOf(tx, placeId);
      if (!pending) throw noPendingBankDetails();
      if (pending.submittedByUserId === actor.userId) {
        throw fourEyesRequired();
      }
      const now = clock.now().toISOString();
      if (!putPendingBankAccountInForce(tx, { placeId, bankAccountId: pending.id, now, decidedByUserId: actor.userId })) throw bankDetailsChangedMeanwhile();
      recordAudit(tx, clock, actor, 'place.bank_details_validated', { type: 'place', id: placeId }, { bankAccountId: pending.id, iban: maskIban(pending.iban) });
      notifyBankDecision({ tx, clock, placeId, placeName: findPlaceRow(tx, placeId)!.name, iban: pending.iban, validated: true });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}

export function rejectBankDetails(deps: Deps & { actor: Actor; placeId: string; reason: string }): PlaceView {
  const { db, clock, actor, placeId, reason } = deps;
  assertFinance(actor);
  return db.transaction(
    (tx) => {
      requirePlace(tx, actor, placeId);
      const now = clock.now().toISOString();
      const { pending } = bankAccountsOf(tx, placeId);
      const rejected = pending ? rejectPendingBankAccount(tx, { bankAccountId: pending.id, now, decidedByUserId: actor.userId, reason }) : false;
      if (!rejected) throw noPendingBankDetails();
      recordAudit(tx, clock, actor, 'place.bank_details_rejected', { type: 'place', id: placeId }, { bankAccountId: pending!.id, reason });
      notifyBankDecision({ tx, clock, placeId, placeName: findPlaceRow(tx, placeId)!.name, iban: pending!.iban, validated: false, reason });
      return placeToView(tx, placeId)!;
    },
    { behavior: 'immediate' },
  );
}
