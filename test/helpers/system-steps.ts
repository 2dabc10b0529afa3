import { asc, eq, sql } from 'drizzle-orm';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { redemptions } from '../../db/schema/redemption.ts';
import { payouts, reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { parisDate, parisMonth } from '../../server/shared/paris-time.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { approveOrder, cancelOrder, recordMandate, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import { allotBooklets, blockBooklet, designatePrescriber, distributeBooklet, returnBooklets, revokePrescriber } from '../../server/modules/distribution/distribution.service.ts';
import { cancelRedemption, redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { approveBatch, buildBatch, markBatchPaid, rejectPayout } from '../../server/modules/finance/reimbursement.service.ts';
import { expireOrder } from '../../server/modules/finance/expiry.service.ts';
import { submitBankDetails, validateBankDetails } from '../../server/modules/places/places.service.ts';
import { getTerritories } from '../../server/modules/territories/territories.ts';

import { advance, codes, config, GRACE, DAY, BLOCK_REASONS, CATEGORIES, COMMUNES, IBANS, PUBLICS, TERRITORIES, VALIDITIES, pick, previousMonth, type Step, type World } from './system-world.ts';
import { bankSawPayment, bankSawPayouts, bankSawReturn, dismissStep, statementStep } from './system-bank.ts';

/**
 * Runs one step against the services. Aimed (most steps), it picks its object among those the
 * operation can apply to, so that sequences go deep (funded, distributed, redeemed, batched, paid,
 * rejected, expired); not aimed, among all, so that refusals are exercised too. Business refusals
 * propagate as DomainError for the caller to tolerate; 'noop' when there was nothing to act on.
 */
export function run(w: World, s: Step, aimed: boolean): 'done' | 'noop' {
  const { db, clock } = w;
  const among = <T>(all: readonly T[], fits: (x: T) => boolean, i: number): T | undefined => pick(aimed ? all.filter(fits) : all, i);
  const allOrders = () => db.select().from(orders).orderBy(asc(orders.createdAt), asc(orders.id)).all();
  const allBooklets = () => db.select().from(booklets).orderBy(asc(booklets.serial)).all();
  const buyerOf = (buyerId: string): Actor => w.buyers.find((b) => b.organisationId === buyerId)!;
  const designated = (orderId: string) =>
    new Set(db.all<{ id: string }>(sql`SELECT prescriber_id AS id FROM prescriber_designations WHERE order_id = ${orderId} AND revoked_at IS NULL`).map((r) => r.id));
  switch (s.kind) {
    case 'submit': {
      const buyer = w.buyers[s.buyer]!;
      const input = {
        bookletCount: s.bookletCount,
        passesPerBooklet: s.passesPerBooklet,
        faceValueCents: s.faceValueCents,
        ...VALIDITIES[s.validity]!,
        territory: TERRITORIES[s.territory] ?? null,
        publics: PUBLICS[s.publics] === null ? null : [...PUBLICS[s.publics]!],
        cofinancingProgramId: s.withProgram ? w.program.id : undefined,
        mandateNumber: s.mandate ? `MDT-${s.bookletCount}${s.faceValueCents}` : undefined,
      };
      submitOrder({ db, clock, actor: buyer, input, feeBasisPoints: s.feeBasisPoints });
      return 'done';
    }
    case 'approve': {
      const order = among(allOrders(), (o) => o.status === 'submitted', s.order);
      if (!order) return 'noop';
      approveOrder({ db, clock, actor: w.admin, orderId: order.id, codes });
      return 'done';
    }
    case 'cancelOrder': {
      const order = among(allOrders(), (o) => o.status === 'submitted', s.order);
      if (!order) return 'noop';
      cancelOrder({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id });
      return 'done';
    }
    case 'mandate': {
      const order = among(allOrders(), (o) => o.status === 'approved' && o.fundedAt === null && o.buyerId === w.buyers[0]!.organisationId, s.order);
      if (!order) return 'noop';
      recordMandate({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, mandateNumber: `MDT-${order.reference}` });
      return 'done';
    }
    case 'pay': {
      const invoice = among(db.select().from(invoices).orderBy(asc(invoices.number)).all(), (i) => i.paidCents < i.totalCents, s.invoice);
      if (!invoice) return 'noop';
      const amountCents = Math.max(1, Math.round((invoice.totalCents - invoice.paidCents) * s.fraction));
      recordPayment({ db, clock, actor: w.finance, input: { invoiceId: invoice.id, amountCents, receivedOn: parisDate(clock.now()), reference: `VIR-${invoice.number}` } });
      bankSawPayment(w, invoice.number, amountCents, parisDate(clock.now()));
      return 'done';
    }
    case 'designate': {
      const order = among(allOrders(), (o) => o.status === 'approved', s.order);
      if (!order) return 'noop';
      designatePrescriber({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, prescriberId: w.prescribers[s.prescriber]!.organisationId });
      return 'done';
    }
    case 'revoke': {
      const order = among(allOrders(), (o) => designated(o.id).size > 0, s.order);
      if (!order) return 'noop';
      const live = [...designated(order.id)];
      const prescriberId = aimed ? pick(live, s.prescriber)! : w.prescribers[s.prescriber]!.organisationId;
      revokePrescriber({ db, clock, actor: buyerOf(order.buyerId), orderId: order.id, prescriberId });
      return 'done';
    }
    case 'allot': {
      const inStock = new Set(allBooklets().filter((b) => b.status === 'in_stock').map((b) => b.orderId));
      const order = among(allOrders(), (o) => inStock.has(o.id) && designated(o.id).size > 0, s.order);
      if (!order) return 'noop';
      const prescriberId = aimed ? pick([...designated(order.id)], s.prescriber)! : w.prescribers[s.prescriber]!.organisationId;
      const stock = allBooklets().filter((b) => b.orderId === order.id && b.status === 'in_stock').length;
      allotBooklets({ db, clock, actor: buyerOf(order.buyerId), input: { orderId: order.id, prescriberId, bookletCount: aimed ? Math.min(s.count, Math.max(1, stock)) : s.count } });
      return 'done';
    }
    case 'return': {
      const booklet = among(allBooklets(), (b) => b.status === 'allotted', s.order);
      const order = booklet ? allOrders().find((o) => o.id === booklet.orderId) : pick(allOrders(), s.order);
      if (!order) return 'noop';
      const prescriber = (booklet && w.prescribers.find((p) => p.organisationId === booklet.holderId)) || w.prescribers[s.prescriber]!;
      const actor = s.byPrescriber ? prescriber : buyerOf(order.buyerId);
      returnBooklets({ db, clock, actor, input: { orderId: order.id, prescriberId: prescriber.organisationId, bookletCount: s.count } });
      return 'done';
    }
    case 'distribute': {
      const booklet = among(allBooklets(), (b) => b.status === 'allotted', s.booklet);
      if (!booklet) return 'noop';
      // The holder when it is a prescriber, else any prescriber (refused: not in its stock).
      const actor = w.prescribers.find((p) => p.organisationId === booklet.holderId) ?? w.prescribers[s.booklet % 2]!;
      // Aimed, a beneficiary the order admits (when there is one among ours); else anyone.
      const order = allOrders().find((o) => o.id === booklet.orderId)!;
      const publicCategory = aimed && order.publics ? pick(order.publics, s.category)! : CATEGORIES[s.category]!;
      const communes = COMMUNES.filter((c) => getTerritories().isCommuneInTerritory(c, order.territory ?? null));
      const communeCode = aimed && communes.length > 0 ? pick(communes, s.commune)! : COMMUNES[s.commune]!;
      distributeBooklet({ db, clock, actor, input: { bookletSerial: booklet.serial, publicCategory, communeCode } });
      return 'done';
    }
    case 'redeem': {
      const all = db
        .select({ code: passes.code, status: passes.status, territory: orders.territory })
        .from(passes)
        .innerJoin(orders, eq(orders.id, passes.orderId))
        .orderBy(asc(passes.id))
        .all();
      // Aimed, an active pass at a place its territory admits.
      const admitting = (territory: (typeof all)[number]['territory']) => w.places.filter((p) => getTerritories().isCommuneInTerritory(p.communeCode, territory ?? null));
      const pass = among(all, (p) => p.status === 'active' && admitting(p.territory).length > 0, s.pass);
      if (!pass) return 'noop';
      const place = aimed ? pick(admitting(pass.territory), s.place)! : w.places[s.place]!;
      redeemPass({ db, clock, codes, gracePeriodDays: GRACE, actor: place.agent, code: pass.code, siteId: s.namedSite ? place.siteId : undefined });
      return 'done';
    }
    case 'cancelRedemption': {
      const all = db.select().from(redemptions).orderBy(asc(redemptions.redeemedAt), asc(redemptions.id)).all();
      const windowStart = new Date(clock.now().getTime() - DAY).toISOString();
      const redemption = among(all, (r) => r.status === 'live' && r.batchedAt === null && r.redeemedAt >= windowStart, s.redemption);
      if (!redemption) return 'noop';
      const place = w.places.find((p) => (p.id === redemption.placeId) !== (s.byOtherPlace && !aimed))!;
      cancelRedemption({ db, clock, actor: place.agent, redemptionId: redemption.id });
      return 'done';
    }
    case 'block': {
      const booklet = among(allBooklets(), (b) => ['in_stock', 'allotted', 'distributed', 'started'].includes(b.status), s.booklet);
      if (!booklet) return 'noop';
      const holder = w.prescribers.find((p) => p.organisationId === booklet.holderId);
      const actor = s.byHolder && holder ? holder : buyerOf(booklet.buyerId);
      blockBooklet({ db, clock, actor, serial: booklet.serial, reason: BLOCK_REASONS[s.reason]! });
      return 'done';
    }
    case 'bankChange': {
      const place = w.places[s.place]!;
      submitBankDetails({ db, clock, actor: place.admin, placeId: place.id, input: { ...IBANS[s.iban]! }, operatorIban: config.operatorAccount.iban });
      return 'done';
    }
    case 'bankValidate': {
      const pending = new Set(db.all<{ id: string }>(sql`SELECT place_id AS id FROM place_bank_accounts WHERE status = 'pending'`).map((r) => r.id));
      const place = among(w.places, (p) => pending.has(p.id), s.place);
      if (!place) return 'noop';
      validateBankDetails({ db, clock, actor: w.finance, placeId: place.id });
      return 'done';
    }
    case 'buildBatch':
      buildBatch({ db, clock, actor: w.finance, period: previousMonth(parisMonth(clock.now()), s.monthsBack) });
      return 'done';
    case 'approveBatch': {
      const batch = among(db.select().from(reimbursementBatches).orderBy(asc(reimbursementBatches.period)).all(), (b) => b.status === 'draft' && b.payoutCount > 0, s.batch);
      if (!batch) return 'noop';
      approveBatch({ db, clock, actor: w.treasury, batchId: batch.id });
      return 'done';
    }
    case 'payBatch': {
      const batch = among(db.select().from(reimbursementBatches).orderBy(asc(reimbursementBatches.period)).all(), (b) => b.status === 'approved' && b.payoutCount > 0, s.batch);
      if (!batch) return 'noop';
      const executed = db.select().from(payouts).where(eq(payouts.batchId, batch.id)).all().filter((p) => p.status === 'approved');
      markBatchPaid({ db, clock, actor: w.finance, batchId: batch.id, paidOn: parisDate(clock.now()) });
      bankSawPayouts(w, executed, parisDate(clock.now()));
      return 'done';
    }
    case 'statement':
      return statementStep(w, s);
    case 'dismiss':
      return dismissStep(w, s.entry);
    case 'rejectPayout': {
      const payout = among(db.select().from(payouts).orderBy(asc(payouts.reference)).all(), (p) => p.status === 'approved' || p.status === 'paid', s.payout);
      if (!payout) return 'noop';
      rejectPayout({ db, clock, actor: w.finance, payoutId: payout.id, reason: 'Compte clos' });
      // Only a transfer that left the account comes back to it.
      if (payout.status === 'paid') bankSawReturn(w, payout, parisDate(clock.now()));
      return 'done';
    }
    case 'expire': {
      const order = among(allOrders(), (o) => o.status === 'approved' || o.status === 'closed', s.order);
      if (!order) return 'noop';
      expireOrder({ db, clock, actor: w.admin, orderId: order.id, gracePeriodDays: GRACE });
      return 'done';
    }
    case 'time':
      advance(clock, s);
      return 'done';
  }
}
