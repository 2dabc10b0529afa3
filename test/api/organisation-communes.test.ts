import t from 'tap';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

// #16 "names, never codes": an organisation's commune reads with its name, the INSEE code beside it.
t.test('organisations show their commune by name, with the code beside it', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const created = await admin.inject({ method: 'POST', url: '/api/v1/organizations', payload: { kind: 'prescriber', name: 'CCAS de Rodez', communeCode: '12202' } });
  t.equal(created.statusCode, 201);
  const list = await admin.inject({ method: 'GET', url: '/organisations', headers: { accept: 'text/html' } });
  t.equal(list.statusCode, 200);
  t.match(list.body, /Rodez \(12202\)/, 'the list names the commune');
  const page = await admin.inject({ method: 'GET', url: `/organisations/${created.json().id}`, headers: { accept: 'text/html' } });
  if (page.statusCode === 200) t.match(page.body, /Rodez \(12202\)/, 'the organisation page names it too');
  else t.fail(`organisation page answered ${page.statusCode}`);
});
