/**
 * The account rules, through the use cases themselves (no HTTP): an invitation issued, accepted
 * once within 7 days and superseded by a newer one; an invitation to an address already in use
 * that tells nothing and opens nothing; a password change that ends every session and API token
 * (cached callers included); disabling. Routing, cookies, CSRF and throttling over HTTP stay in
 * test/api/auth.test.ts and test/api/invitations.test.ts.
 */
import t from 'tap';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema/accounts.ts';
import {
  acceptInvitation,
  changePassword,
  checkPassword,
  createApiToken,
  describeInvitation,
  inviteUser,
  openSession,
  reissueInvitation,
  resolveApiToken,
  resolveSession,
  setUserDisabled,
} from '../../server/modules/accounts/accounts.service.ts';
import { ActorCache } from '../../server/modules/identity/actor-cache.ts';
import { listPendingInvitations, revokeInvitation } from '../../server/modules/accounts/invitations.ts';
import { LoginThrottle } from '../../server/modules/security/login-throttle.ts';
import { DomainError } from '../../server/shared/problem.ts';
import { actorOf, seedWorld, TEST_PASSWORD } from '../helpers/fixtures.ts';
import { createTestDb, refusalOf } from '../helpers/test-db.ts';

const PUBLIC_URL = 'https://pass.test';
const NEW_PASSWORD = 'une phrase de passe toute neuve';

async function world(t: Parameters<typeof createTestDb>[0]) {
  const { db, clock } = createTestDb(t);
  const cast = await seedWorld(db);
  const buyerAdmin = actorOf(db, cast.buyerAdmin);
  const invite = (email: string, role: 'admin' | 'agent' | 'finance' = 'agent') =>
    inviteUser({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, input: { email, name: 'Camille Martin', role }, publicUrl: PUBLIC_URL });
  const userRow = (id: string) => db.select().from(users).where(eq(users.id, id)).get()!;
  /** A session and an API token for a user, as its login and its token page would give them. */
  const credentialsOf = (userId: string) => {
    const session = openSession({ db, clock, user: userRow(userId), ip: '127.0.0.1' });
    const { token } = createApiToken({ db, clock, actor: session.actor, name: 'intégration' });
    return { sessionToken: session.sessionToken, apiToken: token };
  };
  const stillIn = (c: { sessionToken: string; apiToken: string }, cache?: ActorCache) => ({
    session: resolveSession({ db, clock, sessionToken: c.sessionToken, cache }) !== null,
    token: resolveApiToken({ db, clock, token: c.apiToken, cache }) !== null,
  });
  return { db, clock, cast, buyerAdmin, invite, userRow, credentialsOf, stillIn };
}

/** The refusal code of an async use case, or null when it succeeds. */
async function asyncRefusal(work: () => Promise<unknown>): Promise<string | null> {
  try {
    await work();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return null;
}

t.test('an invitation sets the password once, within 7 days', async (t) => {
  const { db, clock, invite, userRow } = await world(t);
  const invited = invite('camille@departement.test');
  t.equal(invited.invitationUrl, `${PUBLIC_URL}/invitation/${invited.invitationToken}`);
  t.equal(invited.expiresAt, '2026-12-02T10:00:00.000Z', 'seven days from now');
  t.match(describeInvitation({ db, clock, token: invited.invitationToken }), { email: 'camille@departement.test', name: 'Camille Martin' });
  t.equal(userRow(invited.id).passwordHash, null, 'no password before acceptance');
  await acceptInvitation({ db, clock, token: invited.invitationToken, password: NEW_PASSWORD });
  t.not(userRow(invited.id).passwordHash, null);
  t.equal(await asyncRefusal(() => acceptInvitation({ db, clock, token: invited.invitationToken, password: NEW_PASSWORD })), 'invitation_already_used');
  t.equal(refusalOf(() => describeInvitation({ db, clock, token: 'pas-un-jeton' })), 'invitation_not_found');

  const late = invite('dominique@departement.test');
  clock.set('2026-12-02T10:00:00.000Z');
  t.equal(refusalOf(() => describeInvitation({ db, clock, token: late.invitationToken })), 'invitation_expired', 'expired at the seventh day’s instant');
  t.equal(await asyncRefusal(() => acceptInvitation({ db, clock, token: late.invitationToken, password: NEW_PASSWORD })), 'invitation_expired');
});

t.test('a new invitation supersedes the pending one: only the latest link works', async (t) => {
  const { db, clock, cast, buyerAdmin, invite } = await world(t);
  const first = invite('camille@departement.test');
  const again = reissueInvitation({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: first.id, publicUrl: PUBLIC_URL });
  t.equal(again.id, first.id);
  t.not(again.invitationToken, first.invitationToken);
  t.equal(refusalOf(() => describeInvitation({ db, clock, token: first.invitationToken })), 'invitation_already_used', 'the old link is dead');
  t.equal(listPendingInvitations({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id }).length, 1);
  revokeInvitation({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: first.id });
  t.equal(refusalOf(() => describeInvitation({ db, clock, token: again.invitationToken })), 'invitation_already_used', 'a revoked link is dead too');
  t.equal(listPendingInvitations({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id }).length, 0);
  t.equal(refusalOf(() => revokeInvitation({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: first.id })), 'invitation_not_found');
});

t.test('an address already in use, whatever its case, gets the same answer and no account', async (t) => {
  const { db, clock, cast, invite } = await world(t);
  const before = db.select().from(users).all().length;
  const answer = invite(cast.placeAdmin.email.toUpperCase());
  t.match(answer, { id: String, invitationToken: String, invitationUrl: /^https:\/\/pass\.test\/invitation\//, expiresAt: '2026-12-02T10:00:00.000Z' });
  t.equal(db.select().from(users).all().length, before, 'no second account');
  t.equal(refusalOf(() => describeInvitation({ db, clock, token: answer.invitationToken })), 'invitation_not_found', 'the link opens nothing');
});

t.test('the finance role is reserved to the operator; only admins invite', async (t) => {
  const { db, clock, cast, invite } = await world(t);
  t.equal(refusalOf(() => invite('tresorier@departement.test', 'finance')), 'role_not_allowed');
  const agent = actorOf(db, cast.buyerAgent);
  t.equal(
    refusalOf(() => inviteUser({ db, clock, actor: agent, organisationId: cast.buyer.id, input: { email: 'x@departement.test', name: 'X', role: 'agent' }, publicUrl: PUBLIC_URL })),
    'forbidden',
  );
  const operatorAdmin = actorOf(db, cast.operatorAdmin);
  const finance = inviteUser({ db, clock, actor: operatorAdmin, organisationId: cast.operator.id, input: { email: 'compta@operateur.test', name: 'Compta', role: 'finance' }, publicUrl: PUBLIC_URL });
  t.equal(db.select().from(users).where(eq(users.id, finance.id)).get()!.role, 'finance');
});

t.test('a password change ends every session and API token, cached callers included', async (t) => {
  const { db, clock, cast, credentialsOf, stillIn } = await world(t);
  const cache = new ActorCache();
  const mine = credentialsOf(cast.buyerAgent.id);
  const someoneElse = credentialsOf(cast.buyerAdmin.id);
  t.same(stillIn(mine, cache), { session: true, token: true }, 'in, and now cached');
  const actor = resolveSession({ db, clock, sessionToken: mine.sessionToken })!;
  t.equal(
    await asyncRefusal(() => changePassword({ db, clock, actor, currentPassword: 'pas le bon mot de passe', newPassword: NEW_PASSWORD, ip: '127.0.0.1' })),
    'current_password_incorrect',
  );
  t.same(stillIn(mine, cache), { session: true, token: true }, 'a refused change ends nothing');
  await changePassword({ db, clock, actor, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, ip: '127.0.0.1' });
  t.same(stillIn(mine, cache), { session: false, token: false });
  t.same(stillIn(someoneElse), { session: true, token: true }, 'other users keep theirs');
  const throttle = new LoginThrottle(clock);
  t.equal((await checkPassword({ db, clock, throttle, email: cast.buyerAgent.email, password: NEW_PASSWORD, ip: '127.0.0.1' })).id, cast.buyerAgent.id);
  t.equal(await asyncRefusal(() => checkPassword({ db, clock, throttle, email: cast.buyerAgent.email, password: TEST_PASSWORD, ip: '127.0.0.1' })), 'invalid_credentials');
});

t.test('accepting a new invitation (an admin’s password reset) ends the old sessions and tokens', async (t) => {
  const { db, clock, cast, buyerAdmin, credentialsOf, stillIn } = await world(t);
  const before = credentialsOf(cast.buyerAgent.id);
  const reset = reissueInvitation({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: cast.buyerAgent.id, publicUrl: PUBLIC_URL });
  t.same(stillIn(before), { session: true, token: true }, 'issuing the invitation alone ends nothing');
  await acceptInvitation({ db, clock, token: reset.invitationToken, password: NEW_PASSWORD });
  t.same(stillIn(before), { session: false, token: false });
});

t.test('a disabled user cannot log in and their sessions stop at once, even cached', async (t) => {
  const { db, clock, cast, buyerAdmin, credentialsOf, stillIn } = await world(t);
  const cache = new ActorCache();
  const agent = credentialsOf(cast.buyerAgent.id);
  t.same(stillIn(agent, cache), { session: true, token: true });
  t.equal(setUserDisabled({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: cast.buyerAgent.id, disabled: true }).disabled, true);
  t.same(stillIn(agent, cache), { session: false, token: false }, 'the token of a disabled user stops too');
  const throttle = new LoginThrottle(clock);
  t.equal(await asyncRefusal(() => checkPassword({ db, clock, throttle, email: cast.buyerAgent.email, password: TEST_PASSWORD, ip: '127.0.0.1' })), 'invalid_credentials');
  t.equal(refusalOf(() => setUserDisabled({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: cast.buyerAdmin.id, disabled: true })), 'cannot_disable_self');
  setUserDisabled({ db, clock, actor: buyerAdmin, organisationId: cast.buyer.id, userId: cast.buyerAgent.id, disabled: false });
  t.same(stillIn(agent), { session: false, token: true }, 'enabled again: the token works, the closed session stays closed');
  const other = actorOf(db, cast.otherBuyerAdmin);
  t.equal(refusalOf(() => setUserDisabled({ db, clock, actor: other, organisationId: cast.buyer.id, userId: cast.buyerAgent.id, disabled: true })), 'user_not_found');
});

t.test('an API token is made from a session only', async (t) => {
  const { db, clock, cast } = await world(t);
  const viaToken = actorOf(db, cast.buyerAdmin); // actorOf builds a token caller
  t.equal(refusalOf(() => createApiToken({ db, clock, actor: viaToken, name: 'x' })), 'session_required');
});
