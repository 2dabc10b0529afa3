import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/mail.ts';
import { inviteAgentFromPage } from '../helpers/invitation-form.ts';

t.test('the organisation admin sees pending invitations, resends one (old link dead, new one mailed) and revokes it', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.prescriberAdmin);
  const invited = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.prescriber.id}/users`, payload: { email: 'nouveau@ml.test', name: 'Nouveau Conseiller', role: 'agent' } });
  const userId = invited.json().id;
  const firstToken = invited.json().invitationToken;

  const pending = await admin.inject({ method: 'GET', url: `/api/v1/organizations/${world.prescriber.id}/invitations` });
  t.equal(pending.statusCode, 200);
  t.match(pending.json().items, [{ userId, email: 'nouveau@ml.test', sentAt: clock.now().toISOString(), invitedBy: 'Utilisateur admin', expired: false }]);
  const other = await loginAs(app, world.buyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: `/api/v1/organizations/${world.prescriber.id}/invitations` })).statusCode, 404, 'another organisation’s invitations are not found');

  clock.advance(60_000);
  const resent = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.prescriber.id}/users/${userId}/invitations` });
  t.equal(resent.statusCode, 201);
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 2, 'the first invitation and the resent one');
  t.equal(smtp.received[1]!.link, `http://pass.test/invitation/${resent.json().invitationToken}`, 'the resent mail carries the new token');
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/invitations/${firstToken}` })).statusCode, 409, 'the old link is dead');

  const page = await admin.inject({ method: 'GET', url: '/mon-organisation' });
  t.match(page.body, 'Invitations en attente (1)');
  t.match(page.body, 'Révoquer');

  const revoked = await admin.inject({ method: 'DELETE', url: `/api/v1/organizations/${world.prescriber.id}/users/${userId}/invitations` });
  t.equal(revoked.statusCode, 204);
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/invitations/${resent.json().invitationToken}` })).statusCode, 409, 'a revoked link is dead');
  t.same((await admin.inject({ method: 'GET', url: `/api/v1/organizations/${world.prescriber.id}/invitations` })).json().items, []);
  t.equal((await admin.inject({ method: 'DELETE', url: `/api/v1/organizations/${world.prescriber.id}/users/${userId}/invitations` })).statusCode, 404);
});

t.test('the invitation page shows the link once, with a copy button, and says it was mailed', async (t) => {
  const { app, world, admin, res } = await inviteAgentFromPage(t, { name: 'Collègue', email: 'collegue@dep.test' });
  const flash = res.cookies.find((c) => c.name === 'pn_flash_invitation')!;
  t.ok(flash.httpOnly, 'the link crosses the redirect in an httpOnly cookie');
  const shown = await app.inject({ method: 'GET', url: '/mon-organisation', headers: { cookie: `${admin.cookieHeader}; pn_flash_invitation=${flash.value}` } });
  t.equal(shown.statusCode, 200);
  t.match(shown.body, 'data-copy-target="invitation-url"');
  t.match(shown.body, 'Invitation créée pour Collègue.');
  t.match(shown.body, 'Un message contenant ce lien vient aussi d’être envoyé à collegue@dep.test');
  t.match(shown.body, '/static/js/copy-link.js');
  t.ok(shown.cookies.some((c) => c.name === 'pn_flash_invitation' && c.value === ''), 'read once: the cookie is cleared');
  const again = await admin.inject({ method: 'GET', url: '/mon-organisation' });
  t.notMatch(again.body, 'id="invitation-url"', 'shown once');
  const forged = await app.inject({ method: 'GET', url: '/mon-organisation', headers: { cookie: `${admin.cookieHeader}; pn_flash_invitation=${encodeURIComponent(JSON.stringify({ invitation: { url: 'https://evil.example' }, success: 'x' }))}` } });
  t.notMatch(forged.body, 'evil.example', 'an unsigned flash is ignored');
  const revoke = await admin.inject({ method: 'POST', url: `/mon-organisation/utilisateurs/${(await admin.inject({ method: 'GET', url: `/api/v1/organizations/${world.buyer.id}/invitations` })).json().items[0].userId}/revoquer-invitation`, payload: { _csrf: admin.csrfToken } });
  t.equal(revoke.statusCode, 303);
});
