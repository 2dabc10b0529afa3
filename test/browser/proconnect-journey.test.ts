import t from 'tap';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../server/app.ts';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { testConfig, TEST_NOW } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { axeViolations, browserSkipReason, closeServedApp, launchBrowser, startDemoServer } from '../helpers/browser.ts';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.ts';

t.setTimeout(5 * 60_000);

/** A free port for the service, known before it starts: the provider registers its redirect URI. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('an agent signs in with the ProConnect button and signs out of both', { skip: browserSkipReason() }, async (t) => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const accounts = {};
  const provider = await startTestProvider(t, { publicUrl: baseUrl, accounts });
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const config = testConfig({
    publicUrl: baseUrl,
    proconnect: {
      issuer: provider.issuer,
      clientId: TEST_CLIENT.id,
      clientSecret: TEST_CLIENT.secret,
      redirectUri: `${baseUrl}/connexion/proconnect/retour`,
      postLogoutRedirectUri: `${baseUrl}/connexion/proconnect/deconnexion`,
    },
  });
  const app = await buildApp({ config, db, clock: new ManualClock(TEST_NOW), logger: false });
  const world = await seedWorld(db);
  Object.assign(accounts, { 'sub-finance': { email: world.operatorFinance.email, email_verified: true, siret: '13002526500013' } });
  provider.state.signInAs = 'sub-finance';
  await app.listen({ port, host: '127.0.0.1' });
  t.teardown(async () => {
    await closeServedApp(app);
    db.$client.close();
  });

  const browser = await launchBrowser(t);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${baseUrl}/connexion`);
  const button = page.getByRole('button', { name: 'S’identifier avec ProConnect' });
  t.ok(await button.isVisible(), 'the ProConnect button is shown');
  t.ok(await page.getByRole('link', { name: /Qu’est-ce que ProConnect/ }).isVisible());
  t.same(await axeViolations(page), [], 'login page with ProConnect: no axe violation');

  await button.click();
  await page.waitForURL(`${baseUrl}/tableau-de-bord`);
  t.match(await page.locator('h1').innerText(), /Tableau de bord financier/, 'signed in, no second-factor step');

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL((url) => url.origin === provider.issuer);
  t.pass('sent to the provider to end its session');
  await page.getByRole('button', { name: /Yes, sign me out/ }).click();
  await page.waitForURL(`${baseUrl}/connexion?message=deconnecte`);
  t.match(await page.locator('.fr-alert').first().innerText(), /Vous êtes déconnecté/);
});

t.test('without ProConnect settings the login page has no ProConnect button', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${baseUrl}/connexion`);
  t.equal(await page.locator('.fr-connect').count(), 0);
  t.ok(await page.getByRole('button', { name: 'Se connecter' }).isVisible());
});
