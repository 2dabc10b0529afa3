/**
 * The place rules, through the use cases themselves (no HTTP): an application, the operator's
 * labelling decisions and their allowed transitions, bank details pending → validated (four eyes),
 * checks on details a transfer could not carry, and "a place can be paid" in its three forms.
 * Routing, validation and authorisation stay in test/api/places.test.ts.
 */
import t from 'tap';
import { and, eq, sql } from 'drizzle-orm';
import { auditLog } from '../../db/schema/accounts.ts';
import { placeBankAccounts, places, placeSites } from '../../db/schema/places.ts';
import { redeemability } from '../../server/modules/booklets/redeemability.ts';
import { nextPayablePlace, PAYABLE_PLACE_IDS } from '../../server/modules/places/bank-accounts.repository.ts';
import {
  addSite,
  applyForLabel,
  bankAccountForNewPayout,
  decideOnPlace,
  rejectBankDetails,
  submitBankDetails,
  updateSite,
  validateBankDetails,
} from '../../server/modules/places/places.service.ts';
import type { ApplicationInput } from '../../server/modules/places/places.schemas.ts';
import type { PlaceService } from '../../server/modules/places/services.ts';
import { testConfig } from '../helpers/app.ts';
import { actorOf, createPlace, seedWorld } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const OPERATOR_IBAN = testConfig().operatorAccount.iban;

/** An application as the schema leaves it (SIRET and IBAN without spaces, BIC upper-case). */
const application: ApplicationInput = {
  name: 'Tiers-lieu numérique de Muret',
  siret: '32400000012348',
  legalRepresentative: 'Marie Dupont, présidente',
  contactEmail: 'contact@tierslieu-muret.example',
  iban: 'FR7630004000031234567890143',
  bic: 'AGRIFRPP',
  accountHolder: 'Association Tiers-lieu de Muret',
  sites: [{ name: 'Centre-ville', address: '5 avenue Jacques Douzans', postalCode: '31600', communeCode: '31395', services: ['Aide aux démarches administratives' as PlaceService], free: true }],
};

async function world(t: Parameters<typeof createTestDb>[0]) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const operator = actorOf(db, cast.operatorAdmin);
  const finance = actorOf(db, cast.operatorFinance);
  const apply = (input: Partial<ApplicationInput> = {}) => applyForLabel({ db, clock, input: { ...application, ...input }, operatorIban: OPERATOR_IBAN });
  const decide = (placeId: string, decision: 'label' | 'reject' | 'suspend' | 'reinstate', reason?: string) =>
    decideOnPlace({ db, clock, actor: operator, placeId, decision, ...(reason ? { reason } : {}) });
  const statusOf = (placeId: string) => db.select().from(places).where(eq(places.organisationId, placeId)).get()!.status;
  return { db, clock, cast, operator, finance, apply, decide, statusOf };
}

t.test('an application creates the place `applied`, with its site and its bank details pending', async (t) => {
  const { db, clock, operator, apply } = await world(t);
  const { id, status } = apply();
  t.equal(status, 'applied');
  const account = db.select().from(placeBankAccounts).where(eq(placeBankAccounts.placeId, id)).get()!;
  t.match(account, { status: 'pending', holder: 'Association Tiers-lieu de Muret', iban: 'FR7630004000031234567890143' });
  t.equal(bankAccountForNewPayout(db, id), null, 'pending details pay nothing');
  t.equal(refusalOf(() => apply()), 'place_already_registered', 'a second application with the same SIRET');
  const view = decideOnPlace({ db, clock, actor: operator, placeId: id, decision: 'label' });
  t.match(view, { status: 'labelled', labelledAt: '2026-11-25T10:00:00.000Z', bankStatus: 'pending', bankAccount: null });
});

t.test('bank details a SEPA transfer cannot carry, or the operator’s own account, are refused before anything is written', async (t) => {
  const { db, apply } = await world(t);
  t.equal(refusalOf(() => apply({ accountHolder: 'Ассоциация' })), 'bank_holder_not_sepa');
  t.equal(refusalOf(() => apply({ accountHolder: '***' })), 'bank_holder_not_sepa', 'a holder needs Latin letters or digits');
  t.equal(refusalOf(() => apply({ iban: OPERATOR_IBAN })), 'operator_own_account');
  t.equal(refusalOf(() => apply({ accountHolder: 'Association Zoé & Cie' })), null, 'accents and & are within the SEPA set');
  t.equal(db.select().from(places).all().length, 1, 'only the accepted application wrote a place');
});

t.test('labelling decisions follow the allowed transitions, each audited', async (t) => {
  const { db, cast, apply, decide, statusOf } = await world(t);
  const { id } = apply();
  const other = apply({ siret: '49200000056787' }).id;
  t.equal(refusalOf(() => decide(id, 'suspend', 'test')), 'place_status_conflict', 'an applied place cannot be suspended');
  t.equal(refusalOf(() => decide(id, 'reinstate')), 'place_status_conflict');
  t.equal(decide(id, 'label').status, 'labelled');
  t.equal(refusalOf(() => decide(id, 'label')), 'place_status_conflict', 'labelled once');
  t.match(decide(id, 'suspend', 'Encaissements suspects'), { status: 'suspended', statusReason: 'Encaissements suspects' });
  t.match(decide(id, 'reinstate'), { status: 'labelled', statusReason: null });
  t.match(decide(other, 'reject', 'Pas de médiation numérique'), { status: 'rejected', statusReason: 'Pas de médiation numérique' });
  t.equal(refusalOf(() => decide(other, 'label')), 'place_status_conflict', 'a rejected place is not labelled');
  t.equal(statusOf(other), 'rejected');
  t.same(
    db.select().from(auditLog).where(eq(auditLog.subjectId, id)).all().map((a) => a.action),
    ['place.applied', 'place.labelled', 'place.suspended', 'place.reinstated'],
  );
  const suspension = db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'place.suspended'))).get()!;
  t.match(suspension, { actorUserId: cast.operatorAdmin.id, data: { from: 'labelled', to: 'suspended', reason: 'Encaissements suspects' } });
});

t.test('a place without an active site is not labelled; the first label date is kept through a suspension', async (t) => {
  const { db, clock, cast, apply, decide } = await world(t);
  const { id } = apply();
  const site = db.select().from(placeSites).where(eq(placeSites.placeId, id)).get()!;
  updateSite({ db, clock, actor: actorOf(db, cast.operatorAdmin), placeId: id, siteId: site.id, input: { active: false } });
  t.equal(refusalOf(() => decide(id, 'label')), 'place_has_no_site');
  addSite({ db, clock, actor: actorOf(db, cast.operatorAdmin), placeId: id, input: { ...application.sites[0]!, name: 'Annexe' } });
  const first = decide(id, 'label').labelledAt;
  clock.set('2027-01-10T10:00:00Z');
  decide(id, 'suspend', 'contrôle');
  t.equal(decide(id, 'reinstate').labelledAt, first, 'reinstating does not relabel');
});

t.test('only a labelled place redeems: a suspended or applied one is refused by the redeemability rule', async (t) => {
  const facts = {
    pass: { status: 'active' as const },
    order: { validFrom: '2026-11-01', validUntil: '2027-10-31', fundedAt: '2026-11-01T00:00:00Z', territory: null },
    booklet: { status: 'distributed' as const },
    today: '2026-11-25',
    gracePeriodDays: 31,
    territories: { isCommuneInTerritory: () => true },
  };
  t.same(redeemability({ ...facts, place: { status: 'labelled' } }), { redeemable: true });
  t.match(redeemability({ ...facts, place: { status: 'suspended' } }), { redeemable: false, code: 'place_not_labelled', message: /suspendu/ });
  t.match(redeemability({ ...facts, place: { status: 'applied' } }), { redeemable: false, code: 'place_not_labelled', message: /pas \(encore\) labellisé/ });
});

t.test('a bank-detail change waits for finance, four eyes; the details in force stay until then', async (t) => {
  const { db, clock, operator, finance } = await world(t);
  const { organisation, admin } = await createPlace(db);
  const placeAdmin = actorOf(db, admin);
  const before = bankAccountForNewPayout(db, organisation.id)!;
  t.equal(before.status, 'validated', 'validated details: the place can be paid');
  const submit = (actor = placeAdmin, iban = 'FR1420041010050500013M02606') =>
    submitBankDetails({ db, clock, actor, placeId: organisation.id, input: { holder: 'Nouveau titulaire', iban, bic: 'PSSTFRPPTOU' }, operatorIban: OPERATOR_IBAN });

  t.match(submit(), { bankStatus: 'pending', bankAccount: { status: 'validated' }, pendingBankAccount: { holder: 'Nouveau titulaire' } });
  t.equal(bankAccountForNewPayout(db, organisation.id), null, 'no new batch pays a place whose IBAN changed and is not re-validated');
  t.equal(db.select().from(placeBankAccounts).where(eq(placeBankAccounts.id, before.id)).get()!.status, 'validated', 'still in force for what is due');

  t.match(validateBankDetails({ db, clock, actor: finance, placeId: organisation.id }), { bankStatus: 'validated', pendingBankAccount: null });
  t.equal(db.select().from(placeBankAccounts).where(eq(placeBankAccounts.id, before.id)).get()!.status, 'replaced');
  t.equal(bankAccountForNewPayout(db, organisation.id)!.iban, 'FR1420041010050500013M02606');
  t.equal(refusalOf(() => validateBankDetails({ db, clock, actor: finance, placeId: organisation.id })), 'no_pending_bank_details');

  submit(operator, 'FR7630004000031234567890143');
  t.equal(refusalOf(() => validateBankDetails({ db, clock, actor: operator, placeId: organisation.id })), 'four_eyes_required', 'who typed them cannot validate them');
  t.match(rejectBankDetails({ db, clock, actor: finance, placeId: organisation.id, reason: 'RIB illisible' }), { bankStatus: 'validated', pendingBankAccount: null });
  t.equal(bankAccountForNewPayout(db, organisation.id)!.iban, 'FR1420041010050500013M02606', 'a rejection leaves the details in force');
  t.equal(refusalOf(() => validateBankDetails({ db, clock, actor: actorOf(db, admin), placeId: organisation.id })), 'forbidden', 'only operator finance validates');
});

t.test('submitting the details in force changes nothing; going back to them withdraws the pending change', async (t) => {
  const { db, clock } = await world(t);
  const { organisation, admin } = await createPlace(db);
  const actor = actorOf(db, admin);
  const inForce = bankAccountForNewPayout(db, organisation.id)!;
  const submit = (iban: string, bic: string, holder: string) => submitBankDetails({ db, clock, actor, placeId: organisation.id, input: { holder, iban, bic }, operatorIban: 'FR7612345000000000000000000' });
  t.equal(submit(inForce.iban, inForce.bic, inForce.holder).bankStatus, 'validated');
  t.equal(db.select().from(placeBankAccounts).where(eq(placeBankAccounts.placeId, organisation.id)).all().length, 1, 'no new row');
  t.equal(submit('FR1420041010050500013M02606', 'PSSTFRPPTOU', 'Autre').bankStatus, 'pending');
  t.equal(submit(inForce.iban, inForce.bic, inForce.holder).bankStatus, 'validated', 'back to the details in force');
  t.equal(bankAccountForNewPayout(db, organisation.id)!.id, inForce.id, 'payable again without finance, on the same account');
});

t.test('"a place can be paid" gives the same answer as a set, as a walk and for one place', async (t) => {
  const { db, clock } = await world(t);
  const payable = await createPlace(db, { name: 'Payable' });
  const changing = await createPlace(db, { name: 'RIB en cours de changement' });
  const without = await createPlace(db, { name: 'Sans RIB validé' });
  submitBankDetails({ db, clock, actor: actorOf(db, changing.admin), placeId: changing.organisation.id, input: { holder: 'X', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPTOU' }, operatorIban: OPERATOR_IBAN });
  db.update(placeBankAccounts).set({ status: 'rejected' }).where(eq(placeBankAccounts.placeId, without.organisation.id)).run();

  const ids = [payable, changing, without].map((p) => p.organisation.id);
  const inSet = db.all<{ id: string }>(sql`SELECT organisation_id AS id FROM places WHERE organisation_id IN ${PAYABLE_PLACE_IDS}`).map((r) => r.id);
  const walked: string[] = [];
  for (let id = nextPayablePlace(db, ''); id; id = nextPayablePlace(db, id)) walked.push(id);
  const one = ids.filter((id) => bankAccountForNewPayout(db, id) !== null);
  t.same(one, [payable.organisation.id]);
  t.same(inSet.filter((id) => ids.includes(id)), one);
  t.same(walked.filter((id) => ids.includes(id)), one);
});
