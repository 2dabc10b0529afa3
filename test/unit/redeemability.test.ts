import t from 'tap';
import { lastAcceptedDay, redeemability, type RedeemabilityInput } from '../../server/modules/booklets/redeemability.ts';

const inside = { isCommuneInTerritory: () => true };
const outside = { isCommuneInTerritory: () => false };

const ok: RedeemabilityInput = {
  pass: { status: 'active' },
  order: { validFrom: '2026-01-01', validUntil: '2026-12-31', fundedAt: '2026-01-02T00:00:00Z', territory: { departements: ['31'] } },
  booklet: { status: 'distributed' },
  place: { status: 'labelled' },
  site: { communeCode: '31555' },
  today: '2026-06-15',
  gracePeriodDays: 31,
  territories: inside,
};

const codeOf = (input: Partial<RedeemabilityInput>) => {
  const verdict = redeemability({ ...ok, ...input });
  return verdict.redeemable ? 'ok' : verdict.code;
};

t.test('an active, distributed, funded pass at a labelled place inside the territory is redeemable', async (t) => {
  t.same(redeemability(ok), { redeemable: true });
});

t.test('each refusal has its code and status', async (t) => {
  t.equal(codeOf({ pass: null }), 'pass_not_found');
  t.equal(codeOf({ pass: { status: 'blocked' } }), 'pass_blocked');
  t.equal(codeOf({ booklet: { status: 'blocked' } }), 'pass_blocked');
  t.equal(codeOf({ pass: { status: 'redeemed' } }), 'pass_already_redeemed');
  t.equal(codeOf({ pass: { status: 'reimbursed' } }), 'pass_already_redeemed');
  t.equal(codeOf({ pass: { status: 'issued' } }), 'pass_not_distributed');
  t.equal(codeOf({ order: { ...ok.order!, fundedAt: null } }), 'pass_not_distributed', 'an unfunded order');
  t.equal(codeOf({ booklet: { status: 'allotted' } }), 'pass_not_distributed', 'a booklet still with the prescriber');
  t.equal(codeOf({ today: '2025-12-31' }), 'pass_not_valid_yet');
  t.equal(codeOf({ today: '2027-02-01' }), 'pass_expired');
  t.equal(codeOf({ pass: { status: 'expired' } }), 'pass_expired');
  t.equal(codeOf({ place: { status: 'applied' } }), 'place_not_labelled');
  t.equal(codeOf({ place: { status: 'suspended' } }), 'place_not_labelled');
  t.equal(codeOf({ territories: outside }), 'place_outside_territory');
  const refused = redeemability({ ...ok, pass: { status: 'redeemed' }, redeemedAt: '2026-06-01T08:30:00Z' });
  t.match(refused, { redeemable: false, status: 409, redeemedAt: '2026-06-01T08:30:00Z', message: /01\/06\/2026 10:30/ });
});

t.test('the checks run in the order of the issue: the first failing one answers', async (t) => {
  t.equal(codeOf({ pass: { status: 'blocked' }, place: { status: 'suspended' }, territories: outside }), 'pass_blocked');
  t.equal(codeOf({ pass: { status: 'redeemed' }, place: { status: 'suspended' }, today: '2030-01-01' }), 'pass_already_redeemed');
  t.equal(codeOf({ pass: { status: 'issued' }, today: '2030-01-01' }), 'pass_not_distributed');
  t.equal(codeOf({ today: '2030-01-01', place: { status: 'applied' } }), 'pass_expired');
  t.equal(codeOf({ place: { status: 'suspended' }, territories: outside }), 'place_not_labelled');
});

t.test('grace period: the last day of grace is accepted, the next one refused', async (t) => {
  t.equal(lastAcceptedDay('2026-12-31', 31), '2027-01-31');
  t.equal(codeOf({ today: '2027-01-31' }), 'ok');
  t.equal(codeOf({ today: '2027-02-01' }), 'pass_expired');
  t.equal(codeOf({ today: '2026-01-01' }), 'ok', 'first day of validity');
});

t.test('a lookup without a place or site skips the place checks', async (t) => {
  t.equal(codeOf({ place: null, site: null, territories: outside }), 'ok');
});
