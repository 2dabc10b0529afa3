import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { printLogos } from '../../db/schema/print-settings.ts';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 5, territory: { departements: ['31'] }, funded: true });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const dir = mkdtempSync(join(tmpdir(), 'pn-design-page-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const coverImages = async () => {
    const res = await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/proof.pdf` });
    const path = join(dir, `${randomBytes(4).toString('hex')}.pdf`);
    writeFileSync(path, res.rawPayload);
    return execFileSync('pdfimages', ['-f', '1', '-l', '1', '-list', path], { encoding: 'utf8' });
  };
  return { ...ctx, world, order, buyer, coverImages };
}

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([0, 0, 145, 255], i * 4);
  return PNG.sync.write(image);
}

const jpg = (width: number, height: number) => jpeg.encode({ width, height, data: Buffer.alloc(width * height * 4, 200) }, 80).data;
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1');

/** A multipart/form-data body as a browser sends it: text fields, then one file. */
function multipart(fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }) {
  const boundary = `----pn${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="logo"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/html' } };
}

/** The DSFR group of the field whose label is for `id`, up to the end of its messages. */
function groupOf(html: string, id: string): string {
  const label = html.indexOf(`for="${id}"`);
  if (label < 0) return '';
  const start = html.lastIndexOf('<div class="fr-', label);
  return html.slice(start, html.indexOf('</div>', html.indexOf(`id="${id}-messages"`, label)));
}

t.test('the buyer uploads a PNG, then a JPEG logo from the design page; each is printed on the proof’s cover, with a preview', async (t) => {
  const { order, buyer, coverImages } = await setup(t);
  const page = await buyer.inject({ method: 'GET', url: `/commandes/${order.id}/presentation` });
  t.equal(page.statusCode, 200);
  t.match(page.body, /enctype="multipart\/form-data"/);
  t.match(page.body, /<input class="fr-upload" type="file" id="logo-file" name="logo" accept="image\/png,image\/jpeg"/);
  const orderPage = await buyer.inject({ method: 'GET', url: `/commandes/${order.id}` });
  t.match(orderPage.body, new RegExp(`href="/commandes/${order.id}/presentation"`), 'the order page links the design page');

  const sent = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, csrf: false, ...multipart({ _csrf: buyer.csrfToken }, { name: 'logo.png', type: 'image/png', data: png(120, 40) }) });
  t.equal(sent.statusCode, 303, 'the form’s own _csrf field is accepted');
  t.equal(sent.headers.location, `/commandes/${order.id}/presentation?message=logo#logo`);
  t.match(await coverImages(), /\bimage\b.*\b120\s+40\b/, 'the PNG logo is on the proof’s cover (pdfimages -list)');
  const after = await buyer.inject({ method: 'GET', url: sent.headers.location as string });
  t.match(after.body, /Logo enregistré/);
  const src = /<img src="([^"]+)" alt="Logo du commanditaire/.exec(after.body)?.[1];
  t.ok(src, 'the page previews the logo');
  const preview = await buyer.inject({ method: 'GET', url: src! });
  t.equal(preview.headers['content-type'], 'image/png');
  t.same(PNG.sync.read(preview.rawPayload).width, 120, 'the preview is the re-encoded image');

  // A browser that names the file by its extension only: the bytes decide.
  const jpegSent = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, ...multipart({}, { name: 'logo.bin', type: 'application/octet-stream', data: jpg(300, 100) }) });
  t.equal(jpegSent.statusCode, 303);
  t.match(await coverImages(), /\bimage\b.*\b300\s+100\b.*\bjpeg\b/i, 'the JPEG logo is on the new proof’s cover');
  const versions = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/print-settings` })).json().versions;
  t.equal(versions.length, 2, 'each logo made a new proof version');
});

t.test('a GIF, a file over 1 MB, a broken image or no file: a French error next to the field, nothing stored', async (t) => {
  const { db, order, buyer } = await setup(t);
  const cases: [string, { name: string; type: string; data: Buffer } | undefined, RegExp][] = [
    ['a GIF', { name: 'logo.gif', type: 'image/gif', data: GIF }, /PNG ou JPEG attendu/],
    ['a 2 MB file', { name: 'logo.png', type: 'image/png', data: Buffer.concat([png(10, 10), randomBytes(2 * 1024 * 1024)]) }, /Logo trop lourd : 1 Mo au maximum/],
    ['a file that does not decode', { name: 'logo.png', type: 'image/png', data: Buffer.concat([png(10, 10).subarray(0, 20), randomBytes(200)]) }, /pas une image PNG lisible/],
    ['no file', undefined, /Choisissez un fichier PNG ou JPEG/],
  ];
  for (const [what, file, message] of cases) {
    const res = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, ...multipart({}, file) });
    t.equal(res.statusCode, 400, `${what}: 400`);
    const group = groupOf(res.body, 'logo-file');
    t.match(group, /^<div class="fr-upload-group fr-upload-group--error/, `${what}: the field is marked in error`);
    t.match(group, message, `${what}: the message is next to the field`);
  }
  t.equal(db.select().from(printLogos).all().length, 0, 'no logo stored');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/print-settings` })).json().logo, null);
});

t.test('the logo form is protected against cross-site posts like every form', async (t) => {
  const { db, order, buyer } = await setup(t);
  const res = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, csrf: false, ...multipart({}, { name: 'logo.png', type: 'image/png', data: png(20, 20) }) });
  t.equal(res.statusCode, 403, 'no token: refused');
  const forged = await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, csrf: false, ...multipart({ _csrf: 'forged' }, { name: 'logo.png', type: 'image/png', data: png(20, 20) }) });
  t.equal(forged.statusCode, 403, 'a wrong token: refused');
  t.equal(db.select().from(printLogos).all().length, 0, 'nothing stored');
});

t.test('too long a cover title, message or letter: the form comes back with what was typed and the error next to the field, nothing saved', async (t) => {
  const { order, buyer } = await setup(t);
  const post = (payload: Record<string, string>) => buyer.inject({ method: 'POST', url: `/commandes/${order.id}/presentation`, payload, headers: { accept: 'text/html' } });
  const good = { coverTitle: 'Le numérique pour tous', coverMessage: 'Un cadeau du Département.', withLetter: 'on', letterText: 'Bonjour,' };
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['title', { coverTitle: 'T'.repeat(41) }, 'coverTitle', /40 caractères au maximum/],
    ['message', { coverMessage: 'M'.repeat(151) }, 'coverMessage', /150 caractères au maximum/],
    ['letter', { letterText: 'L'.repeat(1501) }, 'letterText', /1500 caractères au maximum/],
  ];
  for (const [what, change, field, message] of cases) {
    const res = await post({ ...good, ...change });
    t.equal(res.statusCode, 400, `${what} too long: 400`);
    const group = groupOf(res.body, field);
    t.match(group, /^<div class="fr-input-group fr-input-group--error">/, `${what}: the field is marked in error`);
    t.match(group, message, `${what}: the message is next to it`);
    t.match(res.body, new RegExp(Object.values(change)[0]!), `${what}: what was typed is kept`);
    const other = field === 'coverMessage' ? 'value="Le numérique pour tous"' : 'value="Un cadeau du Département."';
    t.match(res.body, other, `${what}: the other fields too`);
  }
  const settings = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/print-settings` })).json();
  t.match(settings, { coverTitle: null, coverMessage: null, letterText: null }, 'nothing was saved');
  const ok = await post(good);
  t.equal(ok.statusCode, 303);
  t.match((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/print-settings` })).json(), { coverTitle: 'Le numérique pour tous', letterText: 'Bonjour,' });
});

t.test('another buyer sees neither the design page nor the logo, and cannot change them; the operator may look, not change', async (t) => {
  const { app, db, world, order, buyer } = await setup(t);
  t.equal((await buyer.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, ...multipart({}, { name: 'logo.png', type: 'image/png', data: png(30, 10) }) })).statusCode, 303);
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'GET', url: `/commandes/${order.id}/presentation` })).statusCode, 404, 'design page: 404');
  t.equal((await other.inject({ method: 'GET', url: `/commandes/${order.id}/logo` })).statusCode, 404, 'logo preview: 404');
  t.equal((await other.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, ...multipart({}, { name: 'logo.png', type: 'image/png', data: png(50, 10) }) })).statusCode, 404, 'logo upload: 404');
  t.equal((await other.inject({ method: 'POST', url: `/commandes/${order.id}/presentation`, payload: { coverTitle: 'Pirate' }, headers: { accept: 'text/html' } })).statusCode, 404, 'texts: 404');
  t.equal(db.select().from(printLogos).all().length, 1, 'only the buyer’s logo is stored');
  const operator = await loginAs(app, world.operatorAdmin);
  const seen = await operator.inject({ method: 'GET', url: `/commandes/${order.id}/presentation` });
  t.equal(seen.statusCode, 200, 'the operator sees the design page');
  t.notMatch(seen.body, /enctype="multipart\/form-data"/, 'without the forms');
  t.equal((await operator.inject({ method: 'GET', url: `/commandes/${order.id}/logo` })).statusCode, 200, 'and the logo');
  t.equal((await operator.inject({ method: 'POST', url: `/commandes/${order.id}/logo`, ...multipart({}, { name: 'logo.png', type: 'image/png', data: png(50, 10) }) })).statusCode, 403, 'but cannot upload one');
});
