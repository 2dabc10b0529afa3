import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createOrganisation, createUser, seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, csvHeader, exportHref, tableRows, firstTwoPages } from '../helpers/lists.ts';
import { inviteAgentFromPage } from '../helpers/invitation-form.ts';
import { users } from '../../db/schema/accounts.ts';
import { newId } from '../../server/shared/secrets.ts';

const html = { accept: 'text/html' };

t.test('an organisation’s users: search by name or e-mail, role and status filters, sort, numbered pages, whole CSV; never another organisation’s', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const org = createOrganisation(db, { kind: 'buyer', name: 'Commune de Figeac', buyerType: 'commune', communeCode: '46102' });
  const admin = await createUser(db, org, { role: 'admin', name: 'Zoé Administratrice', email: 'zoe@figeac.test' });
  const row = (i: number, extra: Partial<typeof users.$inferInsert>) => ({
    id: newId(),
    organisationId: org.id,
    email: `agent${String(i).padStart(2, '0')}@figeac.test`,
    name: `Agent ${String(i).padStart(2, '0')}`,
    role: 'agent' as const,
    passwordHash: 'x',
    disabled: false,
    createdAt: '2026-11-03T09:00:00.000Z',
    ...extra,
  });
  for (let i = 0; i < 55; i++) db.insert(users).values(row(i, {})).run();
  for (let i = 55; i < 58; i++) db.insert(users).values(row(i, { passwordHash: null })).run();
  for (let i = 58; i < 60; i++) db.insert(users).values(row(i, { disabled: true })).run();
  await createUser(db, world.buyer, { role: 'agent', name: 'Agent voisin', email: 'agent99@voisin.test' });

  const session = await loginAs(app, admin);
  const { first, second } = await firstTwoPages(t, session, '/mon-organisation', { total: 'Utilisateurs : 61 résultats', secondPageRows: 11, headers: html });
  t.match(tableRows(first.body)[0], 'Agent 00', 'by name, A to Z by default');
  t.match(first.body, 'Inviter un utilisateur', 'the invite form stays');
  t.match(tableRows(second.body).at(-1), 'Zoé Administratrice');
  t.match(second.body, '/mon-organisation/utilisateurs/', 'the per-user actions on every page');
  for (const page of [first, second]) t.notMatch(page.body, 'Agent voisin', 'another organisation’s users never show');
  t.match((await session.inject({ method: 'GET', url: '/mon-organisation?q=voisin', headers: html })).body, 'Aucun utilisateur ne correspond');

  const byEmail = await session.inject({ method: 'GET', url: '/mon-organisation?q=agent42%40figeac', headers: html });
  t.equal(tableRows(byEmail.body).length, 1, 'by e-mail');
  t.match(tableRows(byEmail.body)[0], 'Agent 42');
  t.match((await session.inject({ method: 'GET', url: '/mon-organisation?q=zo%C3%A9', headers: html })).body, 'Utilisateurs : 1 résultat', 'by name');
  t.match((await session.inject({ method: 'GET', url: '/mon-organisation?role=admin', headers: html })).body, 'Utilisateurs : 1 résultat');
  const invited = await session.inject({ method: 'GET', url: '/mon-organisation?statut=invited', headers: html });
  t.match(invited.body, 'Utilisateurs : 3 résultats');
  t.ok(tableRows(invited.body).every((r) => r.includes('Invité')));
  t.match((await session.inject({ method: 'GET', url: '/mon-organisation?statut=disabled', headers: html })).body, 'Utilisateurs : 2 résultats');
  t.match((await session.inject({ method: 'GET', url: '/mon-organisation?statut=active', headers: html })).body, 'Utilisateurs : 56 résultats');
  const desc = await session.inject({ method: 'GET', url: '/mon-organisation?tri=email&ordre=desc', headers: html });
  t.match(tableRows(desc.body)[0], 'zoe@figeac.test', 'sorted by e-mail, Z to A');

  const csv = await session.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  t.equal(csvHeader(csv.body), 'Nom;Adresse e-mail;Rôle;Statut;Invité le');
  t.equal(csvDataLines(csv.body).length, 61, 'every user, not one page');
  t.match(csv.body, 'Agent 57;agent57@figeac.test;Agent;Invité;2026-11-03 10:00');
  t.notMatch(csv.body, 'voisin');
  const disabledCsv = await session.inject({ method: 'GET', url: exportHref((await session.inject({ method: 'GET', url: '/mon-organisation?statut=disabled', headers: html })).body)! });
  t.equal(csvDataLines(disabledCsv.body).length, 2, 'the export follows the filters');

  const operator = await loginAs(app, world.operatorAdmin);
  const seen = await operator.inject({ method: 'GET', url: `/organisations/${org.id}?q=agent4&tri=nom&ordre=desc`, headers: html });
  t.equal(seen.statusCode, 200);
  t.match(seen.body, 'Utilisateurs : 10 résultats');
  t.match(tableRows(seen.body)[0], 'Agent 49');
  t.match(seen.body, `href="/organisations/${org.id}?q=agent4&amp;tri=nom&amp;ordre=asc"`, 'links stay on this organisation’s page');
  const operatorCsv = await operator.inject({ method: 'GET', url: `/organisations/${org.id}?format=csv` });
  t.equal(csvDataLines(operatorCsv.body).length, 61);
  const other = await loginAs(app, world.buyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: `/organisations/${org.id}?format=csv` })).statusCode, 403, 'another organisation cannot export them');
});

t.test('inviting from a filtered users list still posts, redirects and shows the new user', async (t) => {
  const { admin } = await inviteAgentFromPage(t, { name: 'Nouvelle Collègue', email: 'nouvelle@dep.test' });
  const found = await admin.inject({ method: 'GET', url: '/mon-organisation?q=nouvelle&statut=invited', headers: html });
  t.equal(tableRows(found.body).length, 1);
  t.match(tableRows(found.body)[0], 'Nouvelle Collègue');
});
