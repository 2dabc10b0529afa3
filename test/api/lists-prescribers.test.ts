import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { csvDataLines, exportHref, tableRows, firstTwoPages } from '../helpers/lists.ts';
import { newId } from '../../server/shared/secrets.ts';
import { insertPrescriberOrganisation, linkPrescriber } from '../../server/modules/accounts/prescribers.repository.ts';
import type { PrescriberKind } from '../../db/schema/accounts.ts';

const html = { accept: 'text/html' };

t.test('prescribers: search by name, SIRET or commune, type and status filters, sort, numbered pages, whole CSV with codes as text; a buyer sees its own network only', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const add = (buyer: { organisationId: string; id: string }, p: { name: string; siret: string; communeCode: string; kind: PrescriberKind }) => {
    const id = newId();
    insertPrescriberOrganisation(db, { id, ...p, createdAt: '2026-11-01T10:00:00.000Z' });
    linkPrescriber(db, { id: newId(), buyerId: buyer.organisationId, prescriberId: id, addedByUserId: buyer.id, created: true, createdAt: '2026-11-02T10:00:00.000Z' });
    return id;
  };
  for (let i = 0; i < 60; i++) add(world.buyerAdmin, { name: `Association ${String(i).padStart(2, '0')}`, siret: `4${String(i).padStart(13, '0')}`, communeCode: '31555', kind: 'association' });
  add(world.buyerAdmin, { name: 'CCAS de Bourg-en-Bresse', siret: '00230456700017', communeCode: '01053', kind: 'ccas' });
  add(world.otherBuyerAdmin, { name: 'Mission locale voisine', siret: '11111111100011', communeCode: '33063', kind: 'mission_locale' });

  const buyer = await loginAs(app, world.buyerAdmin);
  const { first, second } = await firstTwoPages(t, buyer, '/prescripteurs', { total: '61 résultats', secondPageRows: 11, headers: html });
  t.match(first.body, 'Vos prescripteurs (61 prescripteurs)');
  t.match(tableRows(first.body)[0], 'Association 00', 'by name, A to Z by default');
  t.notMatch(first.body, 'Mission locale voisine', 'another buyer’s network never shows');
  t.notMatch(second.body, 'Mission locale voisine');
  t.match((await buyer.inject({ method: 'GET', url: '/prescripteurs?q=voisine', headers: html })).body, 'Aucun résultat', 'not even by its name');

  const byCommune = await buyer.inject({ method: 'GET', url: '/prescripteurs?q=bourg-en-bresse', headers: html });
  t.equal(tableRows(byCommune.body).length, 1, 'by commune name');
  t.match(tableRows(byCommune.body)[0], 'CCAS de Bourg-en-Bresse');
  t.equal(tableRows((await buyer.inject({ method: 'GET', url: '/prescripteurs?q=00230456700017', headers: html })).body).length, 1, 'by SIRET');
  const ccas = await buyer.inject({ method: 'GET', url: '/prescripteurs?type=ccas', headers: html });
  t.match(ccas.body, '1 résultat');
  t.match(tableRows(ccas.body)[0], 'CCAS de Bourg-en-Bresse');
  t.match((await buyer.inject({ method: 'GET', url: '/prescripteurs?statut=suspended', headers: html })).body, 'Aucun résultat');
  const desc = await buyer.inject({ method: 'GET', url: '/prescripteurs?tri=nom&ordre=desc', headers: html });
  t.match(tableRows(desc.body)[0], 'CCAS de Bourg-en-Bresse', 'Z to A');

  const csv = await buyer.inject({ method: 'GET', url: exportHref(first.body)! });
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  t.equal(csvDataLines(csv.body).length, 61, 'every prescriber, not one page');
  t.match(csv.body, /CCAS de Bourg-en-Bresse;"=""00230456700017""";CCAS;Bourg-en-Bresse;"=""01053""";[^;]*;Département de test \([^)]*\);2026-11-02 11:00;Actif/);
  t.notMatch(csv.body, 'Mission locale voisine', 'nor in the export');
  const filteredCsv = await buyer.inject({ method: 'GET', url: exportHref(ccas.body)! });
  t.equal(csvDataLines(filteredCsv.body).length, 1, 'the export follows the filters');

  const operator = await loginAs(app, world.operatorAdmin);
  const all = await operator.inject({ method: 'GET', url: '/prescripteurs?q=mission', headers: html });
  t.match(all.body, '2 résultats', 'the operator sees every network and its own prescribers');
  t.match(all.body, /Mission locale de test[\s\S]*L’opérateur/);
});
