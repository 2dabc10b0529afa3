import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, createPlace, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { formatPassCode } from '../../server/modules/booklets/pass-code.ts';
import { redeemPass } from '../../server/modules/redemption/redemption.service.ts';
import { recordSecurityEvent } from '../../server/modules/security/security-events.repository.ts';
import { enqueueMessage } from '../../server/modules/notifications/outbox.ts';
import { csvDataLines, currentPage, exportHref, tableRows } from '../helpers/lists.ts';

t.test('mails: search by recipient or subject, status filter, numbered pages, whole CSV; operator admins only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  db.transaction((tx) => {
    for (let i = 0; i < 60; i++) enqueueMessage({ tx, clock, template: 'password_changed', to: { email: `personne${i}@exemple.test` }, data: { name: 'P' } });
  });
  const admin = await loginAs(app, world.operatorAdmin);
  const first = await admin.inject({ method: 'GET', url: '/courriels' });
  t.equal(first.statusCode, 200);
  t.match(first.body, '60 résultats');
  t.equal(tableRows(first.body).length, 50);
  t.equal(currentPage((await admin.inject({ method: 'GET', url: '/courriels?page=2' })).body), 2);
  t.equal(tableRows((await admin.inject({ method: 'GET', url: '/courriels?q=personne42@' })).body).length, 1, 'by recipient');
  t.match((await admin.inject({ method: 'GET', url: '/courriels?statut=sent' })).body, 'Aucun résultat');
  const sorted = await admin.inject({ method: 'GET', url: '/courriels?tri=destinataire&ordre=asc' });
  t.match(tableRows(sorted.body)[0], 'personne0@exemple.test');
  const csv = await admin.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csvDataLines(csv.body).length, 60, 'every message, not one page');
  t.match(csvDataLines(csv.body)[0], /;À envoyer;0;2026-11-25 11:00;$/);
  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'GET', url: '/courriels?format=csv' })).statusCode, 403, 'the export is as closed as the page');
});

t.test('a place’s redemptions: search by the end of a code, status and site filters, numbered pages, the month’s whole CSV, its own only', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 60, territory: { departements: ['31'] }, funded: true });
  const [booklet] = await bookletsOf(db, order.id);
  const codes = await handOutBooklet(db, booklet!.id);
  const place = await createPlace(db, { name: 'EPN de Muret', sites: [{ communeCode: '31395', name: 'EPN centre' }] });
  const other = await createPlace(db, { name: 'Médiathèque voisine', sites: [{ communeCode: '31395', name: 'Médiathèque' }] });
  for (const code of codes.slice(0, 55)) redeemPass({ db, clock, codes: app.passCodes, gracePeriodDays: 31, actor: actorOf(db, place.agent), code });
  redeemPass({ db, clock, codes: app.passCodes, gracePeriodDays: 31, actor: actorOf(db, other.agent), code: codes[59]! });

  const agent = await loginAs(app, place.agent);
  const first = await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements' });
  t.equal(first.statusCode, 200);
  t.match(first.body, '55 résultats');
  t.equal(tableRows(first.body).length, 50);
  t.equal(currentPage((await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements?page=2' })).body), 2);
  const lastGroup = formatPassCode(codes[7]!).slice(-4);
  const byCode = await agent.inject({ method: 'GET', url: `/mon-lieu/encaissements?q=${lastGroup}` });
  t.ok(tableRows(byCode.body).length >= 1, 'by the end of the code');
  t.ok(tableRows(byCode.body).some((r) => r.includes(formatPassCode(codes[7]!))));
  const foreign = await agent.inject({ method: 'GET', url: `/mon-lieu/encaissements?q=${codes[59]!}` });
  t.notMatch(foreign.body, formatPassCode(codes[59]!), 'another place’s redemption never shows, even by its code');
  t.match((await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements?statut=cancelled' })).body, 'Aucun résultat');
  t.match((await agent.inject({ method: 'GET', url: `/mon-lieu/encaissements?site=${place.siteIds[0]}` })).body, '55 résultats');
  t.match((await agent.inject({ method: 'GET', url: '/mon-lieu/encaissements?mois=2026-10' })).body, 'Aucun résultat', 'another month');
  const csv = await agent.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csvDataLines(csv.body).length, 55, 'every redemption of the month, not one page');
  t.notMatch(csv.body, formatPassCode(codes[59]!));
});

t.test('security log: the account by name and e-mail, search by e-mail, event filter, numbered pages, whole CSV', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 55; i++) recordSecurityEvent(db, clock, { kind: 'login.failed', userId: world.buyerAdmin.id, ip: `10.0.0.${i}` });
  recordSecurityEvent(db, clock, { kind: 'password.changed', userId: world.placeAdmin.id, ip: '192.0.2.1' });
  const admin = await loginAs(app, world.operatorAdmin);
  const first = await admin.inject({ method: 'GET', url: '/securite/journal' });
  t.equal(first.statusCode, 200);
  t.ok(tableRows(first.body).length === 50, 'fifty a page');
  const changed = tableRows(first.body).find((r) => r.includes('Mot de passe changé'))!;
  t.match(changed, world.placeAdmin.email, 'the account by its e-mail, not its identifier');
  t.notMatch(changed, world.placeAdmin.id);
  const byEmail = await admin.inject({ method: 'GET', url: `/securite/journal?q=${encodeURIComponent(world.placeAdmin.email)}` });
  t.equal(tableRows(byEmail.body).length, 1);
  t.match((await admin.inject({ method: 'GET', url: '/securite/journal?evenement=password.changed' })).body, '1 résultat');
  t.equal(currentPage((await admin.inject({ method: 'GET', url: '/securite/journal?page=2' })).body), 2);
  const csv = await admin.inject({ method: 'GET', url: exportHref(first.body)! });
  t.ok(csvDataLines(csv.body).length >= 56, 'every event, not one page');
  t.match(csv.body, `;Mot de passe changé (sessions et jetons révoqués);Utilisateur admin;${world.placeAdmin.email};192.0.2.1;`);
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/securite/journal?format=csv' })).statusCode, 403);
});
