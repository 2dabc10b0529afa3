import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createPassCodeFactory, formatPassCode, passUrl } from '../../server/modules/booklets/pass-code.ts';
import { countBookletPages, renderBookletsPdf } from '../../templates/pdf/booklet.ts';
import { formatFrenchDate } from '../../server/shared/paris-time.ts';
import type { BookletPrintData } from '../../templates/pdf/booklet.ts';
import { decodeQr, rasterise } from '../helpers/pdf.ts';

const PUBLIC_URL = 'https://pass.example.gouv.fr';
const codes = createPassCodeFactory({ secrets: { A: 'secret-de-test-pour-les-carnets-0123456789' }, currentVersion: 'A' });

function booklet(n: number, passCount = 10): BookletPrintData {
  const serial = `PN27-${String(n).padStart(6, '0')}`;
  return {
    serial,
    bookletUrl: `${PUBLIC_URL}/C/${serial}`.toUpperCase(),
    buyerName: 'Département de l’Hérault',
    faceValueCents: 1000,
    validFrom: '2027-01-01',
    validUntil: '2027-12-31',
    publicsLabels: n % 2 === 0 ? null : ['Jeunes de 16 à 25 ans en insertion', 'Personnes de 60 ans et plus'],
    territoryDescription: 'Dans tout le département de l’Hérault (34).',
    placesHint: 'Liste des lieux sur https://pass.example.gouv.fr/lieux ou auprès de la structure qui vous a remis ce carnet.',
    passes: Array.from({ length: passCount }, () => ({ code: codes.generate() })),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'carnets-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function renderToFile(name: string, booklets: BookletPrintData[], proofWatermark = false): Promise<{ path: string; pages: number }> {
  const path = join(dir, name);
  const { pages } = await renderBookletsPdf(createWriteStream(path), booklets, { publicUrl: PUBLIC_URL, proofWatermark });
  return { path, pages };
}

const popplerPresent = spawnSync('pdftotext', ['-v']).error === undefined;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
/** pdftotext output with the no-break spaces of French typography turned into plain spaces. */
const text = (path: string, extra: string[] = []) => run('pdftotext', [...extra, path, '-']).replace(/[\u00a0\u202f]/g, ' ');


t.test('a booklet takes one cover page plus one page per five passes', async (t) => {
  t.equal(countBookletPages(10), 3);
  t.equal(countBookletPages(5), 2);
  t.equal(countBookletPages(6), 3);
  t.equal(countBookletPages(1), 2);
  t.equal(countBookletPages(20), 5);
  t.throws(() => countBookletPages(-1));
});

t.test('validity dates are written out in French', async (t) => {
  t.equal(formatFrenchDate('2027-01-01'), '1er janvier 2027');
  t.equal(formatFrenchDate('2027-12-31'), '31 décembre 2027');
  t.equal(formatFrenchDate('2028-08-15'), '15 août 2028');
  t.throws(() => formatFrenchDate('31/12/2027'));
});

t.test('the print file of two booklets of ten passes', async (t) => {
  const booklets = [booklet(1), booklet(2)];
  const { path, pages } = await renderToFile('carnets.pdf', booklets);
  t.equal(pages, 2 * countBookletPages(10), 'the renderer reports 6 pages');

  if (!popplerPresent) {
    if (process.env.CI === 'true') {
      t.fail('poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm) is required in CI');
    } else {
      t.pass('PDF content not checked', { skip: 'poppler-utils absent (apt-get install poppler-utils); required when CI=true' });
    }
    return;
  }

  t.test('has 2 × (1 cover + 2 coupon pages) pages', async (t) => {
    t.match(run('pdfinfo', [path]), /^Pages:\s+6$/m);
  });

  t.test('reads as French text with its accents, amounts, codes and warnings', async (t) => {
    const all = text(path);
    t.match(all, 'Pass numérique');
    t.match(all, 'Département de l’Hérault');
    t.match(all, 'Comment utiliser vos pass');
    t.match(all, 'du 1er janvier 2027 au 31 décembre 2027');
    t.match(all, '10 pass de 10,00 € — valeur totale 100,00 €');
    t.match(all, 'Pour tous les publics', 'booklet without restriction');
    t.match(all, 'Jeunes de 16 à 25 ans en insertion', 'restricted booklet lists its publics');
    const coupons = text(path, ['-f', '2', '-l', '3']);
    t.equal(coupons.match(/10,00 €/g)?.length, 10, 'ten coupons show their face value');
    t.equal(coupons.match(/Non nominatif — ne peut être échangé contre de l’argent/g)?.length, 10);
    for (const pass of booklets[0]!.passes) t.match(coupons, formatPassCode(pass.code));
    t.match(coupons, 'PN27-000001');
    t.notMatch(all, 'BAT', 'no proof mark on the print file');
  });

  t.test('embeds DejaVu Sans once (regular and bold), not once per page', async (t) => {
    const fonts = run('pdffonts', [path])
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '');
    t.equal(fonts.length, 2, fonts.join('\n'));
    t.equal(fonts.filter((l) => /\+DejaVuSans\s/.test(l)).length, 1);
    t.equal(fonts.filter((l) => /\+DejaVuSans-Bold\s/.test(l)).length, 1);
    for (const l of fonts) t.match(l, /CID TrueType\s+Identity-H\s+yes\s+yes\s+yes/, 'embedded, subset, with Unicode map');
  });

  t.test('each printed QR code scans back to its pass URL', async (t) => {
    const img = rasterise(path, 2);
    t.ok(Math.abs(img.width - (595.28 / 72) * 150) < 2, `A4 at 150 dpi is ${img.width} px wide`);
    for (let slot = 0; slot < 5; slot++) {
      const decoded = decodeQr(img, { x: 0.6, y: slot / 5, w: 0.4, h: 1 / 5 });
      t.equal(decoded, passUrl(PUBLIC_URL, booklets[0]!.passes[slot]!.code), `coupon ${slot + 1}`);
    }
    const cover = rasterise(path, 1, 100);
    t.equal(decodeQr(cover, { x: 0.6, y: 0, w: 0.4, h: 0.25 }), booklets[0]!.bookletUrl, 'the cover QR leads to the booklet');
  });
});

t.test('the print proof (BAT) carries a "do not print" mark on every page', async (t) => {
  const { path, pages } = await renderToFile('bat.pdf', [booklet(3, 5)], true);
  t.equal(pages, 2);
  if (!popplerPresent) {
    if (process.env.CI === 'true') t.fail('poppler-utils is required in CI');
    else t.pass('proof mark not checked', { skip: 'poppler-utils absent (apt-get install poppler-utils); required when CI=true' });
    return;
  }
  const all = text(path);
  t.equal(all.match(/BAT — ne pas imprimer/g)?.length, 2);
});

t.test('the print file flows out while booklets are still being read, and waits for a slow reader', async (t) => {
  let written = 0;
  let writtenWhenLastBookletRead = -1;
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      written += chunk.length;
      setImmediate(cb);
    },
  });
  let drains = 0;
  slow.on('drain', () => drains++);
  const total = 30;
  async function* source(): AsyncGenerator<BookletPrintData> {
    for (let i = 0; i < total; i++) {
      if (i === total - 1) writtenWhenLastBookletRead = written;
      yield booklet(100 + i, 5);
    }
  }
  const { pages } = await renderBookletsPdf(slow, source(), { publicUrl: PUBLIC_URL });
  t.equal(pages, total * countBookletPages(5));
  t.ok(writtenWhenLastBookletRead > 0, `${writtenWhenLastBookletRead} bytes already delivered before the last booklet was read`);
  t.ok(written > writtenWhenLastBookletRead);
  t.ok(drains > 0, `the renderer waited for the reader ${drains} times`);
  t.ok(slow.writableFinished, 'output ended');
});

t.test('a failing output makes the rendering fail instead of hanging', async (t) => {
  const broken = new Writable({
    write(_chunk, _enc, cb) {
      cb(new Error('disque plein'));
    },
  });
  broken.on('error', () => {});
  await t.rejects(renderBookletsPdf(broken, [booklet(1), booklet(2)], { publicUrl: PUBLIC_URL }), /disque plein/);
});

t.test('a booklet with a malformed date or pass code stops the print file, which is left unfinished', async (t) => {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await t.rejects(
    renderBookletsPdf(sink, [booklet(1), { ...booklet(2), validUntil: '31/12/2027' }], { publicUrl: PUBLIC_URL }),
    /PN27-000002|AAAA-MM-JJ/,
  );
  t.notOk(sink.writableEnded, 'a truncated file is never ended as if complete');
  const badCode = { ...booklet(3), passes: [{ code: 'PAS-UN-CODE' }] };
  await t.rejects(renderBookletsPdf(new Writable({ write: (_c, _e, cb) => cb() }), [badCode], { publicUrl: PUBLIC_URL }), /code de pass/);
});
