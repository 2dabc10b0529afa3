import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { decodeQr, rasterise } from '../helpers/pdf.ts';
import { booklets, passes } from '../../db/schema/booklets.ts';
import { passUrl } from '../../server/modules/booklets/pass-code.ts';

const poppler = spawnSync('pdftoppm', ['-v']).error === undefined;

t.test('every QR code of the downloaded print file decodes to the URL of a stored pass, in order', { skip: !poppler && process.env.CI !== 'true' ? 'poppler-utils absent (pdftoppm)' : false }, async (t) => {
  const { app, db, clock, config } = await buildTestApp(t);
  seedReference(db, clock);
  const world = await seedWorld(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5 });
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` })).statusCode, 200);
  const file = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` });
  t.equal(file.statusCode, 200);
  const dir = mkdtempSync(join(tmpdir(), 'pn-print-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'carnets.pdf');
  writeFileSync(path, file.rawPayload);

  const stored = db
    .select({ code: passes.code, position: passes.position, bookletPosition: booklets.position })
    .from(passes)
    .innerJoin(booklets, eq(booklets.id, passes.bookletId))
    .where(eq(passes.orderId, order.id))
    .orderBy(asc(booklets.position), asc(passes.position))
    .all();
  t.equal(stored.length, 10);
  // Each booklet: a cover (page 1) then one coupon page of 5 passes (page 2).
  for (const bookletPosition of [1, 2]) {
    const page = rasterise(path, (bookletPosition - 1) * 2 + 2);
    const expected = stored.filter((p) => p.bookletPosition === bookletPosition);
    for (let slot = 0; slot < 5; slot++) {
      t.equal(decodeQr(page, { x: 0.6, y: slot / 5, w: 0.4, h: 1 / 5 }), passUrl(config.publicUrl, expected[slot]!.code), `booklet ${bookletPosition}, coupon ${slot + 1}`);
    }
  }
});

t.test('printing 1 000 booklets stays within a memory bound (measured in a child process)', async (t) => {
  // The full-size print (100 000 passes) runs in `npm run bench`; here a smaller file checks the bound.
  const script = `
    import { renderBookletsPdf } from './templates/pdf/booklet.ts';
    import { createPassCodeFactory } from './server/modules/booklets/pass-code.ts';
    import { Writable } from 'node:stream';
    const codes = createPassCodeFactory({ secrets: { '1': 'secret-du-test-de-memoire-0123456789abcdef' }, currentVersion: '1' });
    function* booklets() {
      for (let i = 1; i <= 1000; i++) yield {
        serial: 'PN-2026-' + String(i).padStart(6, '0'), bookletUrl: 'HTTPS://PASS.TEST/C/PN-2026-' + i, buyerName: 'Département',
        faceValueCents: 1000, validFrom: '2027-01-01', validUntil: '2027-12-31', publicsLabels: null,
        territoryDescription: 'Haute-Garonne', placesHint: 'Voir le site', passes: Array.from({ length: 5 }, () => ({ code: codes.generate() })),
      };
    }
    let bytes = 0; let peak = 0;
    const sink = new Writable({ write(chunk, _e, done) { bytes += chunk.length; peak = Math.max(peak, process.memoryUsage().rss); done(); } });
    const { pages } = await renderBookletsPdf(sink, booklets(), { publicUrl: 'https://pass.test' });
    console.log(JSON.stringify({ pages, bytes, peakRss: Math.max(peak, process.memoryUsage().rss) }));
  `;
  const result = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 120_000 });
  t.equal(result.status, 0, result.stderr);
  const { pages, bytes, peakRss } = JSON.parse(result.stdout.trim().split('\n').pop()!) as { pages: number; bytes: number; peakRss: number };
  t.equal(pages, 2000);
  t.ok(bytes > 1_000_000, `${(bytes / 1e6).toFixed(1)} MB written`);
  t.ok(peakRss < 300 * 1024 * 1024, `peak RSS ${(peakRss / 1048576).toFixed(0)} MB < 300 MB`);
});
