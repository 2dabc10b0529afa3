import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { organisations, users } from '../../db/schema/accounts.ts';
import { placeSites } from '../../db/schema/places.ts';
import { booklets } from '../../db/schema/booklets.ts';
import { reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { prescriberDesignations } from '../../db/schema/distribution.ts';
import { DEMO_ORGANISATIONS } from '../../db/seed/demo.ts';
import { parisDate } from '../../server/shared/paris-time.ts';
import { importStatement } from '../../server/modules/finance/bank-statements.service.ts';
import { camt053 } from '../helpers/bank-files.ts';
import { approveOrder, submitOrder } from '../../server/modules/orders/orders.service.ts';
import { actorOf } from '../helpers/fixtures.ts';
import { axeViolations, browserSkipReason, DEMO_PASSWORD, launchBrowser, loginInBrowser, startDemoServer } from '../helpers/browser.ts';

/** Internal identifiers (UUIDs) in a page's visible text: people read names and document numbers (issue 16). */
const idsShown = (text: string) => [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [])];

const run = promisify(execFile);
// A sweep of some hundred pages with axe: on a loaded shared machine it can take several minutes,
// more than tap's default bound for a file. This is a bound against a hang, not a measure.
t.setTimeout(20 * 60_000);
const VNU_JAR = createRequire(import.meta.url)('vnu-jar') as string;

/** Names as long as real ones get: a long public body's name and a long place name. */
const LONG_BUYER_NAME = 'Communauté d’agglomération du Grand Territoire de la Vallée et des Coteaux réunis pour l’inclusion numérique de toutes les habitantes et tous les habitants'.slice(0, 150);
const LONG_PLACE_NAME = 'Espace public numérique intercommunal de la médiathèque Jean-Baptiste Poquelin et de la maison France Services du canton';

/**
 * Pages each role is sent to first, before what the dashboard links to: pages added by a feature
 * that the crawl (40 pages a role) might not reach, and lists whose links lead to new detail pages.
 */
const FIRST_PAGES: Partial<Record<string, string[]>> = {
  operator: ['/finances/factures', '/finances/factures?depot=a-deposer', '/finances/avoirs', '/finances/remboursements', '/finances/attestations'],
  place: ['/releves'],
};

/** Same-origin pages a person can open from where they are: no files, no API, no logout. */
async function pageLinks(page: Page): Promise<string[]> {
  const hrefs = await page.$$eval('a[href^="/"]', (links) => links.map((a) => a.getAttribute('href') ?? ''));
  // A list's sort links show the same page in another order: they would use up the pages a role is allowed.
  return hrefs.filter((h) => !/^\/(dsfr|static|api)\//.test(h) && !/\.(pdf|csv|xml|txt)(\?|$)/.test(h) && !/[?&](format=csv|tri=|page=)/.test(h) && !h.includes('#'));
}

/** A sign-in to reuse: the cookies it set and the page it landed on. */
interface SignedIn {
  cookies: Awaited<ReturnType<BrowserContext['storageState']>>;
  landing: string;
}

/**
 * A page at `width` px, signed in as `email`, on the page the sign-in lands on: through the login
 * form the first time, then with that first sign-in's cookies, so that each role signs in once for
 * both widths.
 */
async function openSignedIn(browser: Browser, baseUrl: string, width: number, email: string, signedIn: SignedIn | undefined): Promise<{ page: Page; signedIn: SignedIn }> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, ...(signedIn ? { storageState: signedIn.cookies } : {}) });
  const page = await context.newPage();
  if (signedIn) await page.goto(signedIn.landing);
  else await loginInBrowser(page, baseUrl, email, DEMO_PASSWORD);
  return { page, signedIn: signedIn ?? { cookies: await context.storageState(), landing: page.url() } };
}

/**
 * Keeps a page's HTML for the Nu checker: the body of the navigation's own response, the bytes the
 * server sent (not the DOM after scripts ran), without asking the server a second time.
 */
function saveAsSent(dir: string, index: number, html: string, label: string): string {
  const file = join(dir, `${index}.html`);
  writeFileSync(file, html);
  return `${file} = ${label}`;
}

async function layoutFindings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const findings: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) findings.push(`page ${doc.scrollWidth} px wide for a ${window.innerWidth} px screen`);
    for (const el of document.querySelectorAll<HTMLElement>('button, a.fr-btn, input[type="submit"]')) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const text = (el instanceof HTMLInputElement ? el.value : el.innerText).trim();
      if (!text) findings.push(`a button shows no words: ${el.outerHTML.slice(0, 120)}`);
    }
    return findings;
  });
}

t.test('every page of every role holds on a 360 px phone and at 1280 px, with long names, axe and the Nu checker clean', { skip: browserSkipReason() }, async (t) => {
  const browser = await launchBrowser(t);
  const { app, baseUrl } = await startDemoServer(t);
  const buyer = DEMO_ORGANISATIONS.find((o) => o.kind === 'buyer')!;
  app.db.update(organisations).set({ name: LONG_BUYER_NAME }).where(eq(organisations.name, buyer.name)).run();
  const place = DEMO_ORGANISATIONS.find((o) => o.kind === 'place')!;
  app.db.update(organisations).set({ name: LONG_PLACE_NAME }).where(eq(organisations.name, place.name)).run();
  const site = app.db.select().from(placeSites).limit(1).get()!;
  app.db.update(placeSites).set({ name: `${LONG_PLACE_NAME} — accueil principal` }).where(eq(placeSites.id, site.id)).run();

  // Pages no menu links to directly: a booklet's page (from the booklet lists) and a search that finds nothing.
  const bookletOf = (organisationName: string, column: 'buyerId' | 'holderId') =>
    app.db.select({ serial: booklets.serial }).from(booklets).innerJoin(organisations, eq(organisations.id, booklets[column])).where(eq(organisations.name, organisationName)).limit(1).get()?.serial;
  const buyerBooklet = bookletOf(LONG_BUYER_NAME, 'buyerId');
  const prescriberBooklet = bookletOf(DEMO_ORGANISATIONS.find((o) => o.kind === 'prescriber')!.name, 'holderId');
  // An order's distribution page (two lists, each with its own parameters) and a place's sites, searched.
  const designatedOrder = app.db.select({ orderId: prescriberDesignations.orderId }).from(prescriberDesignations).limit(1).get()!.orderId;
  const orderLists = `/distribution/commandes/${designatedOrder}?presc_q=mission&presc_stock=avec&mvt_type=allotment&mvt_tri=carnets`;
  const placeId = app.db.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, LONG_PLACE_NAME)).get()!.id;
  const extraPages: Partial<Record<string, string[]>> = {
    buyer: [`/carnets/${buyerBooklet}`, '/carnets?serie=CD99-2000-000000', '/prescripteurs?q=a&page=2', '/mon-organisation?q=a&statut=active', orderLists],
    place: ['/mon-lieu?q=a&etat=ouvert&tri=commune'],
    operator: [
      orderLists,
      `/lieux/${placeId}?q=a&etat=ouvert`,
      `/carnets/${buyerBooklet}`,
      '/prescripteurs?q=a&statut=active&page=2',
      '/mon-organisation?q=a&role=admin',
      '/programmes?q=programme&statut=open',
      '/exploitation/taches?statut=done&tri=date&ordre=asc',
      '/publics?q=public&statut=actif',
    ],
    prescriber: prescriberBooklet ? [`/carnets/${prescriberBooklet}`] : [],
  };
  t.ok(buyerBooklet, 'the demo buyer has booklets to show');

  // 600 booklets in one order (issue 16's fixtures), issued by the real approval: its booklets list runs to 12 pages.
  const userId = (email: string) => app.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()!;
  const buyerUser = buyer.users[0]!;
  const operatorUser = DEMO_ORGANISATIONS.find((o) => o.kind === 'operator')!.users[0]!;
  const big = submitOrder({
    db: app.db,
    clock: app.clock,
    actor: actorOf(app.db, userId(buyerUser.email)),
    feeBasisPoints: 0,
    input: { bookletCount: 600, passesPerBooklet: 1, faceValueCents: 1000, validFrom: '2026-11-01', validUntil: '2027-10-31', publics: null, territory: null },
  });
  approveOrder({ db: app.db, clock: app.clock, actor: actorOf(app.db, userId(operatorUser.email)), orderId: big.id, codes: app.passCodes });
  const bigOrderPages = [`/commandes/${big.id}/carnets`, `/commandes/${big.id}/carnets?page=6`];

  const htmlDir = mkdtempSync(join(tmpdir(), 'pages-'));
  t.teardown(() => rmSync(htmlDir, { recursive: true, force: true }));
  const saved: string[] = [];
  const visited = new Set<string>();

  for (const org of DEMO_ORGANISATIONS) {
    const user = org.users[0]!;
    let signedIn: SignedIn | undefined;
    for (const width of [360, 1280]) {
      const opened = await openSignedIn(browser, baseUrl, width, user.email, signedIn);
      const { page } = opened;
      signedIn = opened.signedIn;
      const scriptErrors: string[] = [];
      page.on('pageerror', (error) => scriptErrors.push(error.message));
      // The dashboard, every page its navigation and its own links reach, one level further.
      const queue = [
        '/tableau-de-bord',
        ...(FIRST_PAGES[org.kind] ?? []),
        ...(extraPages[org.kind] ?? []),
        ...(org.kind === 'buyer' || org.kind === 'operator' ? bigOrderPages : []),
        ...(await pageLinks(page)),
      ];
      const seen = new Set<string>();
      for (let i = 0; i < queue.length && seen.size < 40; i++) {
        const href = queue[i]!;
        if (seen.has(href)) continue;
        seen.add(href);
        scriptErrors.length = 0;
        const response = await page.goto(baseUrl + href);
        const where = `${user.email} ${href} at ${width} px`;
        t.ok(response && response.status() < 500, `${where}: answers`);
        t.same(await layoutFindings(page), [], `${where}: fits the screen and every button has words`);
        t.same(scriptErrors, [], `${where}: no script error`);
        if (width === 360 && !visited.has(`${org.kind}:${href}`)) {
          visited.add(`${org.kind}:${href}`);
          t.same(await axeViolations(page), [], `${where}: no axe violation`);
          t.same(idsShown(await page.locator('body').innerText()), [], `${where}: no internal identifier in what a person reads`);
          saved.push(saveAsSent(htmlDir, saved.length, await response!.text(), `${user.email} ${href}`));
        }
        if (i < 12) for (const link of await pageLinks(page)) if (!queue.includes(link)) queue.push(link);
      }
      await page.context().close();
    }
  }
  // Pages of a role the crawl above does not log in as: finance's bank statements, with one
  // statement imported (a credit it cannot read waits in the queue) so that no page is empty.
  const finance = app.db.select().from(users).where(eq(users.email, 'finances@operateur.demo')).get()!;
  const today = parisDate(app.clock.now());
  const statement = importStatement({
    db: app.db,
    clock: app.clock,
    actor: actorOf(app.db, finance),
    config: app.config,
    contentType: 'xml',
    content: camt053('02', { iban: app.config.operatorAccount.iban, from: today, to: today, openingCents: 100_000, entries: [{ ref: 'SWEEP1', date: today, direction: 'credit', amountCents: 4_200, remittance: LONG_BUYER_NAME.toUpperCase(), counterparty: LONG_BUYER_NAME }] }),
  });
  // The finance lists with a search, a filter and a sort in their address (issue 16).
  const batch = app.db.select({ id: reimbursementBatches.id }).from(reimbursementBatches).limit(1).get();
  t.ok(batch, 'the demo has a reimbursement batch');
  const financePages = [
    '/finances',
    '/finances/releves-bancaires',
    `/finances/releves-bancaires?q=FR76&mois=${today.slice(0, 7)}&tri=mouvements&ordre=desc`,
    `/finances/releves-bancaires/${statement.id}`,
    `/finances/releves-bancaires/${statement.id}?q=42&devenu=a_traiter&tri=montant&ordre=desc`,
    '/finances/releves-bancaires/a-traiter',
    '/finances/rapprochement',
    ...(batch ? [`/finances/remboursements/${batch.id}?statut=paid&tri=montant&ordre=desc`] : []),
  ];
  let financeSignedIn: SignedIn | undefined;
  for (const width of [360, 1280]) {
    const opened = await openSignedIn(browser, baseUrl, width, finance.email, financeSignedIn);
    const { page } = opened;
    financeSignedIn = opened.signedIn;
    for (const href of financePages) {
      const response = await page.goto(baseUrl + href);
      const where = `${finance.email} ${href} at ${width} px`;
      t.ok(response && response.status() < 500, `${where}: answers`);
      t.same(await layoutFindings(page), [], `${where}: fits the screen and every button has words`);
      if (width === 360 && !visited.has(`finance:${href}`)) {
        visited.add(`finance:${href}`);
        t.same(await axeViolations(page), [], `${where}: no axe violation`);
        t.same(idsShown(await page.locator('body').innerText()), [], `${where}: no internal identifier in what a person reads`);
        saved.push(saveAsSent(htmlDir, saved.length, await response!.text(), `${finance.email} ${href}`));
      }
    }
    await page.context().close();
  }
  // Anonymous pages: login, legal pages, site map.
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  for (const href of ['/connexion', '/plan-du-site', '/mentions-legales', '/donnees-personnelles', '/gestion-des-cookies', '/accessibilite', '/lieux/candidature']) {
    const response = await page.goto(baseUrl + href);
    t.same(await layoutFindings(page), [], `anonymous ${href} at 360 px fits`);
    t.same(await axeViolations(page), [], `anonymous ${href}: no axe violation`);
    saved.push(saveAsSent(htmlDir, saved.length, await response!.text(), `anonymous ${href}`));
  }
  await context.close();

  // The W3C Nu checker on the HTML as the server sent it, every page in one run of the checker.
  const files = saved.map((s) => s.split(' = ')[0]!);
  const result = await run('java', ['-Xss8m', '-jar', VNU_JAR, '--errors-only', '--format', 'json', '--exit-zero-always', ...files], { maxBuffer: 64 * 1024 * 1024 });
  const messages = (JSON.parse(result.stderr || result.stdout) as { messages: { url: string; message: string; extract?: string }[] }).messages;
  const named = messages.map((m) => `${saved.find((s) => m.url.endsWith(s.split(' = ')[0]!))?.split(' = ')[1]}: ${m.message} ${m.extract ?? ''}`.slice(0, 300));
  t.same(named, [], `Nu HTML checker: no error on ${files.length} pages`);
  t.ok(files.length >= 30, `pages checked: ${files.length}`);
});
