import t from 'tap';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { invoices, orders } from '../../db/schema/orders.ts';
import { cofinancingPrograms } from '../../db/schema/programs.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { DomainError } from '../../server/shared/problem.ts';
import type { Actor } from '../../server/modules/identity/actor.ts';
import { approveOrder, cancelOrder, quoteOrder, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { recordPayment } from '../../server/modules/finance/invoices.service.ts';
import { accountBalances, trialBalance } from '../../server/modules/finance/ledger.ts';
import { createOrganisation, createProgram, createUser, seedReference } from '../helpers/fixtures.ts';
import { TEST_NOW, testConfig } from '../helpers/app.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';

const codes = passCodeFactoryFor(testConfig());

const actorOf = async (db: Parameters<typeof createUser>[0], org: { id: string; kind: Actor['organisationKind']; name: string }, role: Actor['role']): Promise<Actor> => ({
  userId: (await createUser(db, org, { role })).id,
  email: `${role}@test`,
  name: role,
  role,
  organisationId: org.id,
  organisationKind: org.kind,
  organisationName: org.name,
  via: 'token',
});

type Step =
  | { kind: 'submit'; buyer: number; bookletCount: number; faceValueCents: number; withProgram: boolean }
  | { kind: 'approve'; order: number }
  | { kind: 'cancel'; order: number }
  | { kind: 'pay'; invoice: number; fraction: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), buyer: fc.nat(2), bookletCount: fc.integer({ min: 1, max: 400 }), faceValueCents: fc.integer({ min: 1000, max: 10_000 }), withProgram: fc.boolean() }),
  fc.record({ kind: fc.constant('approve' as const), order: fc.nat(20) }),
  fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(20) }),
  fc.record({ kind: fc.constant('pay' as const), invoice: fc.nat(20), fraction: fc.double({ min: 0.01, max: 1.2, noNaN: true }) }),
);

t.test('random sequences of quotes, approvals, cancellations and payments keep every invariant', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 1000 }), async (steps, feeBasisPoints) => {
      const db = openDatabase(':memory:');
      migrateDatabase(db);
      const clock = new ManualClock(TEST_NOW);
      seedReference(db, clock);
      const program = createProgram(db, { envelopeCents: 3_000_000, perBuyerCapCents: 2_000_000 });
      const operator = createOrganisation(db, { kind: 'operator' });
      const admin = await actorOf(db, operator, 'admin');
      const finance = await actorOf(db, operator, 'finance');
      const buyers = await Promise.all(
        [
          createOrganisation(db, { kind: 'buyer', buyerType: 'departement' }),
          createOrganisation(db, { kind: 'buyer', buyerType: 'commune' }),
          createOrganisation(db, { kind: 'buyer', buyerType: 'private' }),
        ].map((org) => actorOf(db, org, 'admin')),
      );
      const orderIds: string[] = [];
      for (const s of steps) {
        try {
          if (s.kind === 'submit') {
            const input = { bookletCount: s.bookletCount, passesPerBooklet: 10, faceValueCents: s.faceValueCents, validFrom: '2027-01-01', validUntil: '2027-12-31', publics: null, territory: null, cofinancingProgramId: s.withProgram ? program.id : undefined };
            const quote = quoteOrder({ db, clock, actor: buyers[s.buyer]!, input, feeBasisPoints });
            const order = submitOrder({ db, clock, actor: buyers[s.buyer]!, input, feeBasisPoints });
            if (quote.stateShareCents !== order.stateShareCents) return false;
            orderIds.push(order.id);
          } else if (s.kind === 'approve' && orderIds.length) {
            approveOrder({ db, clock, actor: admin, orderId: orderIds[s.order % orderIds.length]!, codes });
          } else if (s.kind === 'cancel' && orderIds.length) {
            cancelOrder({ db, clock, actor: buyers[0]!, orderId: orderIds[s.order % orderIds.length]! });
          } else if (s.kind === 'pay') {
            const all = db.select().from(invoices).all();
            const invoice = all[s.invoice % Math.max(1, all.length)];
            if (invoice) {
              const amountCents = Math.max(1, Math.floor((invoice.totalCents - invoice.paidCents) * s.fraction));
              recordPayment({ db, clock, actor: finance, input: { invoiceId: invoice.id, amountCents, receivedOn: '2026-11-25', reference: 'VIR' } });
            }
          }
        } catch (error) {
          if (!(error instanceof DomainError) || error.status >= 500) throw error; // business refusals are fine
        }
      }
      const balance = trialBalance(db);
      const everyOrderSplits = db.select().from(orders).all().every((o) => o.buyerShareCents + o.stateShareCents === o.totalCents);
      const committed = db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, program.id)).get()!;
      const approvedState = db
        .select()
        .from(orders)
        .where(eq(orders.status, 'approved'))
        .all()
        .filter((o) => o.programId === program.id)
        .reduce((sum, o) => sum + o.stateShareCents, 0);
      const outstanding = accountBalances(db).find((a) => a.code === 'passes:outstanding');
      const issued = db.select().from(orders).where(eq(orders.status, 'approved')).all().reduce((sum, o) => sum + o.totalCents, 0);
      const overpaid = db.select().from(invoices).all().some((i) => i.paidCents > i.totalCents);
      db.$client.close();
      return (
        balance.balanced &&
        everyOrderSplits &&
        committed.committedCents === approvedState &&
        committed.committedCents <= committed.envelopeCents &&
        -(outstanding?.balanceCents ?? 0) === issued &&
        !overpaid
      );
    }),
    { numRuns: 60 },
  );
  t.pass('invariants held over every generated sequence');
});
