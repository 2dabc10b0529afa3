import t from 'tap';
import { DEMO_ORGANISATIONS } from '../../db/seed/demo.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

// Every demo login and its pages with axe: about 150 s on a quiet 2-core machine, past tap's
// default bound per file. A bound against a hang, not a measure.
t.setTimeout(10 * 60_000);

const EXPECTED_LANDING: Record<string, RegExp> = {
  'operator/admin': /Tableau de bord de l’opérateur/,
  'operator/finance': /Tableau de bord financier/,
  buyer: /Tableau de bord du commanditaire/,
  prescriber: /Tableau de bord du prescripteur/,
  place: /Tableau de bord du lieu/,
};

t.test('every demo login reaches its own dashboard, and every page visited passes axe-core', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);

  const anonymous = await (await browser.newContext()).newPage();
  await anonymous.goto(baseUrl);
  t.match(await anonymous.locator('h1').innerText(), /Le Pass numérique/, 'anonymous visitors land on the public home page');
  t.same(await axeViolations(anonymous), [], 'public home page: no axe violation');
  await anonymous.getByRole('link', { name: 'Se connecter' }).last().click();
  await anonymous.waitForURL(/\/connexion$/);
  t.match(await anonymous.locator('h1').innerText(), /Se connecter/);
  t.ok(await anonymous.locator('header.fr-header').isVisible(), 'the DSFR header is there');
  t.same(await axeViolations(anonymous), [], 'login page: no axe violation');
  await anonymous.goto(`${baseUrl}/accessibilite`);
  t.same(await axeViolations(anonymous), [], 'accessibility statement: no axe violation');
  await anonymous.close();

  for (const org of DEMO_ORGANISATIONS) {
    for (const user of org.users) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await loginInBrowser(page, baseUrl, user.email, DEMO_PASSWORD);
      const expected = EXPECTED_LANDING[`${org.kind}/${user.role}`] ?? EXPECTED_LANDING[org.kind]!;
      t.match(await page.locator('h1').innerText(), expected, `${user.email} lands on its dashboard`);
      t.same(await axeViolations(page), [], `${user.email}: dashboard has no axe violation`);

      await page.getByRole('link', { name: 'Mon organisation' }).first().click();
      t.match(await page.locator('h1').innerText(), /Mon organisation/);
      t.same(await axeViolations(page), [], `${user.email}: organisation page has no axe violation`);

      if (org.kind === 'operator' && user.role === 'admin') {
        await page.goto(`${baseUrl}/organisations`);
        t.match(await page.locator('h1').innerText(), /Organisations/);
        t.same(await axeViolations(page), [], 'organisations page has no axe violation');
      }
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL(/\/connexion$/);
      await context.close();
    }
  }
});

t.test('an operator admin creates an organisation and invites its first user; the user sets a password and logs in', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const page = await (await browser.newContext()).newPage();
  await loginInBrowser(page, baseUrl, 'admin@operateur.demo', DEMO_PASSWORD);
  await page.goto(`${baseUrl}/organisations`);
  await page.getByLabel('Type d’organisation').selectOption('prescriber');
  await page.getByLabel('Nom', { exact: true }).fill('France Services de Muret');
  await page.getByRole('button', { name: 'Créer l’organisation' }).click();
  t.match(await page.locator('h1').innerText(), /France Services de Muret/);
  t.match(await page.locator('.fr-alert--success').innerText(), /Organisation créée/);

  // The invitation form, not the users list's search and filters (which also speak of e-mails and roles).
  const invite = page.locator('form', { has: page.getByRole('button', { name: 'Inviter' }) });
  await invite.getByLabel('Nom et prénom').fill('Sam Conseiller');
  await invite.getByLabel('Adresse e-mail').fill('sam@france-services.demo');
  await invite.getByLabel('Rôle').selectOption('admin');
  await page.getByRole('button', { name: 'Inviter' }).click();
  const link = (await page.locator('.pn-secret').innerText()).trim();
  t.match(link, /\/invitation\//);
  t.same(await axeViolations(page), [], 'organisation page with an invitation: no axe violation');
  // POST/redirect/GET: a reload shows the page again, without re-posting the form nor the link.
  const mentions = await page.locator('main').getByText('sam@france-services.demo').count();
  await page.reload();
  t.equal(await page.locator('.pn-secret').count(), 0, 'after a reload the link is gone: it was shown once');
  t.ok(mentions >= 1 && (await page.locator('main').getByText('sam@france-services.demo').count()) <= mentions, 'and the reload invited nobody twice');

  const invitee = await browser.newContext();
  const invitePage = await invitee.newPage();
  await invitePage.goto(link.replace('http://127.0.0.1', baseUrl));
  t.same(await axeViolations(invitePage), [], 'invitation page: no axe violation');
  await invitePage.getByLabel('Nouveau mot de passe').fill('court');
  await invitePage.getByLabel('Confirmer le mot de passe').fill('court');
  await invitePage.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
  t.match(await invitePage.locator('.fr-message--error').first().innerText(), /12 caractères/);
  t.same(await axeViolations(invitePage), [], 'invitation page with errors: no axe violation');
  await invitePage.getByLabel('Nouveau mot de passe').fill('une phrase de passe longue');
  await invitePage.getByLabel('Confirmer le mot de passe').fill('une phrase de passe longue');
  await invitePage.getByRole('button', { name: 'Enregistrer mon mot de passe' }).click();
  await invitePage.waitForURL(/\/connexion/);
  t.match(await invitePage.locator('.fr-alert--success').innerText(), /Mot de passe enregistré/);
  await loginInBrowser(invitePage, baseUrl, 'sam@france-services.demo', 'une phrase de passe longue');
  t.match(await invitePage.locator('h1').innerText(), /Tableau de bord du prescripteur/);
  await invitee.close();
});

t.test('a wrong password re-renders the login form with a French message, keyboard only', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { baseUrl } = await startDemoServer(t);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Adresse e-mail').focus();
  await page.keyboard.type('admin@operateur.demo');
  await page.keyboard.press('Tab');
  await page.keyboard.type('mauvais mot de passe');
  await page.keyboard.press('Enter');
  await page.waitForLoadState('domcontentloaded');
  t.match(await page.locator('.fr-alert--error').innerText(), /Adresse e-mail ou mot de passe incorrect/);
  t.equal(await page.getByLabel('Adresse e-mail').inputValue(), 'admin@operateur.demo', 'the e-mail typed is kept');
  t.same(await axeViolations(page), [], 'login page with an error: no axe violation');
});
