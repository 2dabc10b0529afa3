import t, { type Test } from 'tap';
import { spawnSync, execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '../helpers/app.ts';
import { actorOf, bookletsOf, createApprovedOrder, handOutBooklet, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { findOrderFor } from '../../server/modules/orders/orders.service.ts';
import { printableBooklets } from '../../server/modules/booklets/booklets.service.ts';
import { formatPassCode } from '../../server/modules/booklets/pass-code.ts';
import { renderBookletsPdf } from '../../templates/pdf/booklet.ts';

const WORKSHOP = 'Maîtrise des outils numériques du quotidien';
const PAPERWORK = 'Aide aux démarches administratives';
const PUBLIC_URL = 'https://pass.example.gouv.fr';

const dir = mkdtempSync(join(tmpdir(), 'carnets-services-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const popplerPresent = spawnSync('pdftotext', ['-v']).error === undefined;

/** The cover's text of the order's first booklet, as pdftotext reads it, spaces flattened. */
async function coverText(t: Test, allowedServices?: string[]) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const created = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, funded: true, allowedServices });
  const order = findOrderFor(ctx.db, actorOf(ctx.db, world.buyerAdmin), created.id)!;
  const [first] = printableBooklets(ctx.db, order, { publicUrl: PUBLIC_URL, last: 1 });
  const path = join(dir, `${created.id}.pdf`);
  const out = createWriteStream(path);
  await renderBookletsPdf(out, [first!], { publicUrl: PUBLIC_URL });
  if (!out.closed) await once(out, 'close');
  const text = execFileSync('pdftotext', ['-l', '1', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  return { ctx, created, text };
}

t.test('a booklet of an order restricted to some services prints them, in French, on its cover', { skip: !popplerPresent && process.env.CI !== 'true' ? 'pdftotext missing' : false }, async (t) => {
  const { text } = await coverText(t, [WORKSHOP, PAPERWORK]);
  t.match(text, 'Pour quels services ?');
  t.match(text, `Ces pass paient seulement ces services : ${WORKSHOP} ; ${PAPERWORK}.`);
});

t.test('one service: in the singular', { skip: !popplerPresent && process.env.CI !== 'true' ? 'pdftotext missing' : false }, async (t) => {
  const { text } = await coverText(t, [PAPERWORK]);
  t.match(text, `Ces pass paient seulement ce service : ${PAPERWORK}.`);
});

t.test('an unrestricted order prints no list of services', { skip: !popplerPresent && process.env.CI !== 'true' ? 'pdftotext missing' : false }, async (t) => {
  const { text } = await coverText(t);
  t.notMatch(text, 'Pour quels services');
  t.match(text, 'Comment utiliser vos pass', 'the rest of the cover is there');
});

t.test('the public pass page lists the services the pass pays for', async (t) => {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const restricted = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, funded: true, allowedServices: [WORKSHOP, PAPERWORK] });
  const open = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, funded: true });
  const [a] = await handOutBooklet(ctx.db, (await bookletsOf(ctx.db, restricted.id))[0]!.id);
  const [b] = await handOutBooklet(ctx.db, (await bookletsOf(ctx.db, open.id))[0]!.id);
  const page = await ctx.app.inject({ method: 'GET', url: `/P/${formatPassCode(a!)}` });
  t.equal(page.statusCode, 200);
  t.match(page.body, `Pour ces services seulement : ${WORKSHOP}, ${PAPERWORK}.`);
  const other = await ctx.app.inject({ method: 'GET', url: `/P/${formatPassCode(b!)}` });
  t.equal(other.statusCode, 200);
  t.notMatch(other.body, 'Pour ces services seulement', 'nothing for an unrestricted pass');
});
