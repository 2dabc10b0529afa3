import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { axeViolations, browserSkipReason, closeServedApp, DEMO_PASSWORD, launchBrowser, loginInBrowser } from '../helpers/browser.ts';
import { testConfig, TEST_NOW } from '../helpers/app.ts';
import { buildApp } from '../../server/app.ts';
import { migrateDatabase, openDatabase } from '../../db/client.ts';
import { seedDemoData } from '../../db/seed/demo.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { passes } from '../../db/schema/booklets.ts';
import { untouchedDemoPassCodes } from '../helpers/demo-passes.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';

/** A port free on loopback now: PUBLIC_URL must name it, so that the links in the mail lead back here. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The demo as `npm start` runs it with nothing configured: no SMTP_URL, so every message is an
 * .eml file under DATA_DIR/mail/, delivered by the sender running by itself (after each commit),
 * and read by the operator on "Courriels envoyés".
 */
async function startMailDemo(t: Test): Promise<{ app: FastifyInstance; baseUrl: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-mail-journey-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  const clock = new ManualClock(TEST_NOW);
  const config = testConfig({ publicUrl: baseUrl, dataDir, mailPollIntervalMs: undefined });
  await seedDemoData(db, clock, passCodeFactoryFor(config));
  const app = await buildApp({ config, db, clock, logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  t.teardown(async () => {
    await closeServedApp(app);
    db.$client.close();
  });
  return { app, baseUrl, dataDir };
}

/** The operator opens "Courriels envoyés", then the newest message to `to`, and returns its link. */
async function openMailTo(operator: Page, baseUrl: string, to: string, subject: RegExp): Promise<string> {
  await operator.goto(`${baseUrl}/tableau-de-bord`);
  await operator.getByRole('link', { name: 'Courriels envoyés' }).first().click();
  await operator.waitForURL(/\/courriels$/);
  const row = operator.locator('tr', { hasText: to }).filter({ hasText: subject }).first();
  await row.getByRole('link').first().click();
  await operator.waitForURL(/\/courriels\/[^/]+$/);
  const href = await operator.locator('#message-link').getAttribute('href');
  if (!href) throw new Error('no link in the message');
  return href;
}

const sentTo = (app: FastifyInstance, to: string) =>
  app.db
    .select()
    .from(outboxMessages)
    .all()
    .filter((m) => m.toAddress === to);

/** Waits for the sender, running by itself, to have delivered every message to `to`; bounded by the test's timeout, never measured. */
async function delivered(app: FastifyInstance, to: string): Promise<void> {
  while (!(sentTo(app, to).length > 0 && sentTo(app, to).every((m) => m.status === 'sent'))) await new Promise((resolve) => setTimeout(resolve, 20));
}

t.test('a place applies, is labelled, its contact opens the mail on “Courriels envoyés”, sets a password and redeems a pass', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl, dataDir } = await startMailDemo(t);
  const contact = 'contact@tiers-lieu-muret.example';

  // The applicant, on the public form.
  const applicant = await (await browser.newContext()).newPage();
  await applicant.goto(`${baseUrl}/lieux/candidature`);
  await applicant.getByLabel('Nom de l’organisation').fill('Tiers-lieu numérique du Comminges');
  await applicant.getByLabel('SIRET').fill('324 000 000 12348');
  await applicant.getByLabel('Représentant légal').fill('Marie Dupont, présidente');
  await applicant.getByLabel('Adresse e-mail de contact').fill(contact);
  await applicant.locator('#site-name').fill('Tiers-lieu du Comminges');
  await applicant.locator('#site-address').fill('5 avenue Jacques Douzans');
  await applicant.locator('#site-postalCode').fill('31600');
  await applicant.locator('#site-communeCode').fill('31395');
  await applicant.locator('label[for="site-service-0"]').click();
  await applicant.getByLabel('Titulaire du compte').fill('Tiers-lieu numérique du Comminges');
  await applicant.getByLabel('IBAN').fill('FR76 3000 4000 0312 3456 7890 143');
  await applicant.getByLabel('BIC').fill('AGRIFRPP');
  await applicant.getByRole('button', { name: 'Envoyer la candidature' }).click();
  await applicant.waitForURL(/\/lieux\/candidature\/envoyee/);

  // The operator labels it, through the confirmation page.
  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await operator.goto(`${baseUrl}/lieux`);
  await operator.getByRole('link', { name: 'Tiers-lieu numérique du Comminges' }).first().click();
  await operator.getByRole('button', { name: 'Labelliser ce lieu' }).click();
  t.match(await operator.locator('h1').innerText(), /Labelliser Tiers-lieu numérique du Comminges \?/, 'a recap first');
  await operator.getByRole('button', { name: 'Labelliser le lieu' }).click();
  await operator.waitForURL((url) => !url.pathname.endsWith('/label'));

  // The sender delivered both messages by itself, as .eml files.
  await delivered(app, contact);
  t.same(sentTo(app, contact).map((m) => m.template).sort(), ['place_application_received', 'place_labelled']);
  t.ok(readdirSync(join(dataDir, 'mail')).filter((f) => f.endsWith('.eml')).length >= 2, 'written under DATA_DIR/mail/');

  const link = await openMailTo(operator, baseUrl, contact, /est labellisé Pass numérique/);
  t.same(await axeViolations(operator), [], 'the message page: no axe violation');
  t.match(link, new RegExp(`^${baseUrl}/invitation/`), 'an absolute link back to the service');

  // The contact follows it, chooses a password, signs in as the place's admin and redeems a pass.
  const place = await (await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })).newPage();
  await place.goto(link);
  await place.getByLabel('Nouveau mot de passe').fill('phrase de passe du tiers-lieu');
  await place.getByLabel('Confirmer le mot de passe').fill('phrase de passe du tiers-lieu');
  await place.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
  await place.waitForURL((url) => !url.pathname.startsWith('/invitation'));
  await loginInBrowser(place, baseUrl, contact, 'phrase de passe du tiers-lieu');
  t.match(await place.locator('h1').innerText(), /Tableau de bord/);

  const [freshCode] = untouchedDemoPassCodes(app.db, 1);
  await place.goto(`${baseUrl}/encaisser`);
  await place.locator('#code').fill(freshCode!);
  await place.keyboard.press('Enter');
  await place.waitForFunction(() => /Pass accepté|refusé|Pass /.test(document.querySelector('#verdict')?.textContent ?? ''));
  t.match(await place.locator('#verdict').innerText(), /Pass accepté — 10,00\s€/, 'the new place redeems a demo pass');
  t.equal(app.db.select().from(passes).where(eq(passes.code, freshCode!)).get()!.status, 'redeemed');
});

t.test('a buyer admin adds its own Mission locale on /prescripteurs, designates it on an order and hands it booklets', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startMailDemo(t);
  const buyer = await (await browser.newContext()).newPage();
  await loginInBrowser(buyer, baseUrl, 'commandes@departement31.demo', DEMO_PASSWORD);
  await buyer.getByRole('link', { name: 'Prescripteurs', exact: true }).first().click();
  await buyer.waitForURL(/\/prescripteurs$/);
  t.same(await axeViolations(buyer), [], '/prescripteurs: no axe violation');

  // The form, not the list's search box above it (which also speaks of names and SIRETs).
  const addForm = buyer.locator('form', { has: buyer.getByRole('button', { name: 'Ajouter le prescripteur' }) });
  await addForm.getByLabel('Nom', { exact: true }).fill('Mission locale du Comminges');
  await addForm.getByLabel('SIRET').fill('732 829 320 00075');
  await buyer.getByRole('button', { name: 'Ajouter le prescripteur' }).click();
  t.match(await buyer.locator('.fr-alert--error').innerText(), /Vérifiez les champs signalés/, 'refused, with the reasons in place');
  t.equal(await buyer.locator('#siret').inputValue(), '732 829 320 00075', 'what was typed is kept');
  t.ok(await buyer.locator('#siret-messages .fr-message--error').count(), 'the SIRET error next to its field');
  t.same(await axeViolations(buyer), [], 'the form with its errors: no axe violation');

  await addForm.getByLabel('SIRET').fill('732 829 320 00074');
  await addForm.getByLabel('Type de prescripteur').selectOption({ label: 'Mission locale' });
  await addForm.getByLabel('Commune (code INSEE)').fill('31483');
  await addForm.getByLabel('Adresse e-mail du contact').fill('direction@ml-comminges.example');
  await buyer.getByRole('button', { name: 'Ajouter le prescripteur' }).click();
  await buyer.waitForURL(/message=ajoute/);
  const row = buyer.locator('tr', { hasText: 'Mission locale du Comminges' });
  t.match(await row.innerText(), /Mission locale[\s\S]*direction@ml-comminges\.example[\s\S]*Bruno Commanditaire/, 'kind, contact and who added it');

  // Its contact opens the invitation (read on "Courriels envoyés" in the demo) and chooses a password.
  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await delivered(app, 'direction@ml-comminges.example');
  const invitation = await openMailTo(operator, baseUrl, 'direction@ml-comminges.example', /vous invite à distribuer des pass numériques/);
  const mission = await (await browser.newContext()).newPage();
  await mission.goto(invitation);
  await mission.getByLabel('Nouveau mot de passe').fill('phrase de passe de la mission locale');
  await mission.getByLabel('Confirmer le mot de passe').fill('phrase de passe de la mission locale');
  await mission.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
  await mission.waitForURL((url) => !url.pathname.startsWith('/invitation'));

  // Designate it on the demo order, then hand it booklets, on the existing distribution pages.
  await buyer.getByRole('link', { name: 'Prescripteurs et carnets' }).first().click();
  await buyer.getByRole('link', { name: 'CMD-2026-000002' }).click();
  await buyer.locator('#designate-prescriberId').selectOption({ label: 'Mission locale du Comminges (Saint-Gaudens)' });
  await buyer.getByRole('button', { name: 'Désigner', exact: true }).click();
  await buyer.waitForURL(/message=designe/);
  await buyer.locator('#allot-prescriberId').selectOption({ label: 'Mission locale du Comminges' });
  await buyer.locator('#allot-bookletCount').fill('3');
  await buyer.getByRole('button', { name: 'Confier les carnets' }).click();
  await buyer.waitForURL(/message=confie/);
  t.match(await buyer.locator('.fr-alert--success').innerText(), /3 carnets confiés/);
  await delivered(app, 'direction@ml-comminges.example');
  await loginInBrowser(mission, baseUrl, 'direction@ml-comminges.example', 'phrase de passe de la mission locale');
  await mission.goto(`${baseUrl}/mon-stock`);
  t.match(await mission.locator('main').innerText(), /CMD-2026-000002/, 'the booklets are in its stock');
  t.same(sentTo(app, 'direction@ml-comminges.example').map((m) => m.template).sort(), ['booklets_allotted', 'prescriber_added', 'prescriber_designated'], 'its contact was invited and told');
});

t.test('a user who forgot their password gets back in alone', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startMailDemo(t);
  const email = 'conseillere@missionlocale-toulouse.demo';
  const user = await (await browser.newContext()).newPage();
  await user.goto(`${baseUrl}/connexion`);
  await user.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await user.getByLabel('Adresse e-mail').fill(email);
  await user.getByRole('button', { name: 'Recevoir un lien' }).click();
  t.match(await user.locator('.fr-alert--info').innerText(), /Demande enregistrée/);
  await delivered(app, email);

  // In the demo the mail is read on "Courriels envoyés"; the link is the user's own.
  const operator = await (await browser.newContext()).newPage();
  await loginInBrowser(operator, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  const link = await openMailTo(operator, baseUrl, email, /Réinitialiser votre mot de passe/);
  await user.goto(link);
  await user.getByLabel('Nouveau mot de passe').fill('nouvelle phrase de la conseillère');
  await user.getByLabel('Confirmer le mot de passe').fill('nouvelle phrase de la conseillère');
  await user.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
  await user.waitForURL(/\/connexion/);
  await loginInBrowser(user, baseUrl, email, 'nouvelle phrase de la conseillère');
  t.match(await user.locator('h1').innerText(), /Tableau de bord/, 'signed in with the new password');
  t.same(
    sentTo(app, email)
      .map((m) => m.template)
      .filter((name) => name.startsWith('password'))
      .sort(),
    ['password_changed', 'password_reset'],
    'and told that the password changed',
  );
});
