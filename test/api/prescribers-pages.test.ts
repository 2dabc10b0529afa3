import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedReference, seedWorld } from '../helpers/fixtures.ts';
import { pathOf, startSmtpServer } from '../helpers/mail.ts';

const html = { accept: 'text/html' };
const form = { name: 'Mission locale du Comminges', siret: '732 829 320 00074', kind: 'mission_locale', communeCode: '31555', contactEmail: 'direction@ml-comminges.test' };

t.test('a buyer admin adds its Mission locale on /prescripteurs: errors in place, then POST/redirect/GET and the list', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  seedReference(db);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  const empty = await buyer.inject({ method: 'GET', url: '/prescripteurs', headers: html });
  t.equal(empty.statusCode, 200);
  t.match(empty.body, 'Aucun prescripteur pour l’instant.');
  t.match(empty.body, 'Ajouter un prescripteur');
  t.match(empty.body, 'href="/prescripteurs"', 'the navigation leads here');

  const bad = await buyer.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: { ...form, siret: '73282932000075', kind: '', contactEmail: 'pas une adresse' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, 'Vérifiez les champs signalés.');
  t.match(bad.body, /fr-input-group--error[\s\S]*for="siret"[\s\S]*fr-message--error">[^<]*SIRET/, 'the SIRET error is next to its field');
  t.match(bad.body, /fr-select-group--error[\s\S]*for="kind"/);
  t.match(bad.body, /value="Mission locale du Comminges"/, 'what was typed is kept');
  t.notMatch(bad.body, /Invalid|Required|Expected/, 'French messages only');

  const taken = await buyer.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: { ...form, contactEmail: world.buyerAgent.email } });
  t.equal(taken.statusCode, 409);
  t.match(taken.body, /fr-input-group--error[\s\S]*for="contactEmail"[\s\S]*déjà celle d’un compte/, 'a refusal of the service sits next to its field');

  const added = await buyer.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: form });
  t.equal(added.statusCode, 303, added.body);
  t.equal(added.headers.location, '/prescripteurs?message=ajoute');
  const list = await buyer.inject({ method: 'GET', url: added.headers.location, headers: html });
  t.match(list.body, 'Prescripteur ajouté');
  t.match(list.body, /<td[^>]*>Mission locale du Comminges/);
  t.match(list.body, /<td[^>]*>Mission locale<\/td>/, 'its kind');
  t.match(list.body, /<td[^>]*>Toulouse<\/td>/, 'its commune by name');
  t.match(list.body, /<td[^>]*>direction@ml-comminges.test<\/td>/, 'its contact');
  t.match(list.body, "Département de test (Utilisateur admin)", "who added it");
  t.match(list.body, 'Vos prescripteurs (1 prescripteur)');
  await app.outbox.deliverDue();
  t.same(smtp.received.map((m) => m.envelopeTo[0]), ['direction@ml-comminges.test'], 'its contact is invited');
  t.equal((await app.inject({ method: 'GET', url: pathOf(smtp.received[0]!.link) })).statusCode, 200);

  const other = await loginAs(app, world.otherBuyerAdmin);
  const theirs = await other.inject({ method: 'GET', url: '/prescripteurs', headers: html });
  t.notMatch(theirs.body, 'Mission locale du Comminges', 'another buyer does not see this network');
  const again = await other.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: { ...form, contactEmail: 'autre@ml.test' } });
  t.equal(again.headers.location, '/prescripteurs?message=reutilise', 'the same SIRET is reused');

  const agent = await loginAs(app, world.buyerAgent);
  const agentPage = await agent.inject({ method: 'GET', url: '/prescripteurs', headers: html });
  t.equal(agentPage.statusCode, 200);
  t.notMatch(agentPage.body, 'Ajouter un prescripteur', 'an agent sees the list, not the form');
  t.equal((await agent.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: form })).statusCode, 403);
  const place = await loginAs(app, world.placeAdmin);
  t.equal((await place.inject({ method: 'GET', url: '/prescripteurs', headers: html })).statusCode, 403);
});

t.test('the operator sees every prescriber and who added which, and suspends one only after a confirmation page', async (t) => {
  const { app, db } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  const buyer = await loginAs(app, world.buyerAdmin);
  await buyer.inject({ method: 'POST', url: '/prescripteurs', headers: html, payload: form });
  const operator = await loginAs(app, world.operatorAdmin);
  const page = await operator.inject({ method: 'GET', url: '/prescripteurs', headers: html });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Tous les prescripteurs (2 prescripteurs)');
  t.match(page.body, /Mission locale de test[\s\S]*L’opérateur/, 'one the operator created');
  t.match(page.body, /Mission locale du Comminges[\s\S]*Département de test/, 'one a buyer added');
  t.notMatch(page.body, 'Ajouter un prescripteur');
  const id = (await buyer.inject({ method: 'GET', url: '/api/v1/prescriber-network' })).json().items[0].id as string;

  const recap = await operator.inject({ method: 'POST', url: `/prescripteurs/${id}/suspendre`, headers: html, payload: {} });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, 'Suspendre Mission locale du Comminges ?');
  t.match(recap.body, 'Aucun commanditaire ne pourra plus le désigner');
  t.match(recap.body, /name="confirmation" value="oui"/);
  t.match((await operator.inject({ method: 'GET', url: '/api/v1/prescriber-network' })).json().items[0], { id, status: 'active' }, 'nothing changed before confirming');

  const done = await operator.inject({ method: 'POST', url: `/prescripteurs/${id}/suspendre`, headers: html, payload: { confirmation: 'oui' } });
  t.equal(done.statusCode, 303);
  const after = await operator.inject({ method: 'GET', url: done.headers.location as string, headers: html });
  t.match(after.body, 'Prescripteur suspendu');
  t.match((await operator.inject({ method: 'GET', url: '/api/v1/prescriber-network' })).json().items[0], { id, status: 'suspended' });
  t.equal((await buyer.inject({ method: 'POST', url: `/prescripteurs/${id}/suspendre`, headers: html, payload: { confirmation: 'oui' } })).statusCode, 403, 'a buyer cannot');
  const finance = await loginAs(app, world.operatorFinance);
  t.equal((await finance.inject({ method: 'POST', url: `/prescripteurs/${id}/suspendre`, headers: html, payload: { confirmation: 'oui' } })).statusCode, 403, 'nor the operator’s finance users');
  t.equal((await operator.inject({ method: 'POST', url: `/prescripteurs/${world.place.id}/suspendre`, headers: html, payload: { confirmation: 'oui' } })).statusCode, 404, 'a place is not a prescriber');
});
