import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../server/app.ts';
import { seedDemoData, DEMO_PASSWORD } from '../../db/seed/demo.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { passCodeFactoryFor } from '../../server/modules/booklets/codes.ts';
import { testConfig, TEST_NOW } from './app.ts';
import { openMigratedDatabase } from './migrated-db.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

type TapLike = Test;

/**
 * Browser journeys need Debian's Chromium. Without it they are skipped with a visible reason,
 * except in CI (CI=true), where they run and fail: a missing browser must not pass silently.
 * Use as `t.test(name, { skip: browserSkipReason() }, …)`.
 */
export function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return false;
  return `tests navigateur ignorés : Chromium introuvable (${CHROMIUM_PATH}) ; installez le paquet Debian « chromium »`;
}

export async function launchBrowser(t: TapLike): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium introuvable (${CHROMIUM_PATH}) : installez le paquet Debian « chromium ».`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** The demo data set served on a real port, as a newcomer sees it after `npm start`. */
export async function startDemoServer(t: TapLike): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const db = openMigratedDatabase();
  const clock = new ManualClock(TEST_NOW);
  const config = testConfig({ publicUrl: 'http://127.0.0.1' });
  await seedDemoData(db, clock, passCodeFactoryFor(config));
  const app = await buildApp({ config, db, clock, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  t.teardown(async () => {
    await closeServedApp(app);
    db.$client.close();
  });
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * Stops a service a browser has talked to, dropping the connections the browser still holds.
 * Teardowns run last registered first, so the service closes before the browser, and Chromium
 * keeps sockets it opened ahead of use: with no request on them the server does not count them as
 * idle, and each one held the close up to Fastify's keep-alive timeout (72 s; a test once took 75 s).
 */
export async function closeServedApp(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
}

export { DEMO_PASSWORD };

/** Whether a frame of the page comes from another origin: only axe's default mode reaches into those. */
function hasCrossOriginFrame(page: Page): boolean {
  const origin = new URL(page.url()).origin;
  return page.frames().some((frame) => frame !== page.mainFrame() && frame.url() !== 'about:blank' && new URL(frame.url()).origin !== origin);
}

/**
 * WCAG 2.1 A/AA rules of axe-core; returns the violations, described for a readable failure.
 * The same rules and results either way: axe.run inside the page (axe's "legacy" mode) checks the
 * page and its same-origin frames; the default mode runs the rules per frame, then opens a blank
 * page in the context to merge the frames' results, about half of each check's time, and is only
 * needed for frames from another origin (the service's pages embed none).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode(!hasCrossOriginFrame(page)).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

export async function loginInBrowser(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/connexion'));
}
