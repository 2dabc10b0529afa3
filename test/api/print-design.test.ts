import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { createApprovedOrder, createPlace, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { decodeQr, rasterise } from '../helpers/pdf.ts';
import { passes } from '../../db/schema/booklets.ts';
import { placeSites } from '../../db/schema/places.ts';
import { normalizePassCode } from '../../server/modules/booklets/pass-code.ts';

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const muret = await createPlace(ctx.db, { name: 'EPN de Muret', sites: [{ name: 'EPN de Muret', communeCode: '31395' }] });
  ctx.db.update(placeSites).set({ postalCode: '31600', openingHours: 'Mo-Fr 09:00-17:00' }).where(eq(placeSites.id, muret.siteIds[0]!)).run();
  await createPlace(ctx.db, { name: 'Médiathèque de Bordeaux', sites: [{ name: 'Médiathèque de Bordeaux', communeCode: '33063' }] });
  const order = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 5, territory: { departements: ['31'] }, funded: true });
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const placeUser = await loginAs(ctx.app, muret.admin);
  const dir = mkdtempSync(join(tmpdir(), 'pn-design-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const download = async (url: string) => {
    const res = await buyer.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, `GET ${url}`);
    const path = join(dir, `${++n}.pdf`);
    writeFileSync(path, res.rawPayload);
    return path;
  };
  const text = (path: string) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  return { ...ctx, world, order, buyer, placeUser, download, text };
}

function png(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([0, 0, 145, 255], i * 4);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4, 200);
  return jpeg.encode({ width, height, data }, 80).data;
}

const imagesOf = (path: string) => execFileSync('pdfimages', ['-list', path], { encoding: 'utf8' }).split('\n').slice(2).filter((l) => l.trim() !== '');

t.test('the cover prints a public address that opens, without an account, the places of the booklet’s territory', async (t) => {
  const { app, order, buyer, download, text } = await setup(t);
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` })).statusCode, 200);
  const cover = text(await download(`/api/v1/orders/${order.id}/booklets.pdf`));
  const url = /(http:\/\/pass\.test\/c\/[A-Z0-9-]+)/.exec(cover)?.[1];
  t.ok(url, `the cover prints the booklet's address: ${url}`);
  const page = await app.inject({ method: 'GET', url: url!.replace('http://pass.test', '') });
  t.equal(page.statusCode, 200, 'anonymous GET of the printed address');
  t.match(page.body, /EPN de Muret/, 'lists the place of the territory');
  t.notMatch(page.body, /Bordeaux/, 'not a place outside it');
  t.match(page.body, /délai de grâce/);
  t.notMatch(page.body, /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/, 'no pass code');
  const qr = await app.inject({ method: 'GET', url: url!.replace('http://pass.test', '').toUpperCase().replace('/C/', '/C/') });
  t.equal(qr.statusCode, 200, 'the upper-case form of the cover QR code too');
});

t.test('the proof carries specimen codes only: none is redeemable, and their QR codes open a page that says specimen', async (t) => {
  const { app, db, order, placeUser, download, text } = await setup(t);
  const path = await download(`/api/v1/orders/${order.id}/proof.pdf`);
  const proof = text(path);
  t.match(proof, /SPÉCIMEN/);
  const live = db.select({ code: passes.code }).from(passes).where(eq(passes.orderId, order.id)).all().map((p) => p.code);
  const printed = [...proof.matchAll(/\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/g)].map((m) => normalizePassCode(m[1]!)!);
  t.equal(printed.length, 5, 'five coupon codes on the proof');
  t.notOk(printed.some((c) => live.includes(c)), 'none of them is a live code of the order');
  const scanned = decodeQr(rasterise(path, 2), { x: 0.6, y: 0, w: 0.4, h: 1 / 5 });
  t.match(scanned, /^HTTP:\/\/PASS\.TEST\/P\/0SPEC1MEN/, `the first coupon's QR code is a specimen: ${scanned}`);
  for (const code of [...printed, scanned!.split('/P/')[1]!]) {
    const res = await placeUser.inject({ method: 'GET', url: `/api/v1/passes/${code}` });
    t.ok(res.statusCode === 404 || res.statusCode === 400, `GET /api/v1/passes/${code} as a place → ${res.statusCode}`);
  }
  const page = await app.inject({ method: 'GET', url: `/P/${scanned!.split('/P/')[1]}` });
  t.equal(page.statusCode, 200);
  t.match(page.body, /Ceci est un spécimen/);
});

t.test('the buyer designs its booklets: logo and words on the cover, a letter; rejects a first proof, accepts the second', async (t) => {
  const { order, buyer, download, text, world, app } = await setup(t);
  const settings = (payload: object) => buyer.inject({ method: 'PATCH', url: `/api/v1/orders/${order.id}/print-settings`, payload });
  const logo = (type: string, body: Buffer) => buyer.inject({ method: 'PUT', url: `/api/v1/orders/${order.id}/logo`, headers: { 'content-type': type }, payload: body });

  t.equal((await settings({ coverTitle: 'x'.repeat(41) })).statusCode, 400, 'a title too long is refused');
  const saved = await settings({ coverTitle: 'Le numérique pour tous', coverMessage: 'Un cadeau du Département pour apprendre à votre rythme.', letterText: 'Bonjour,\nVoici vos pass.' });
  t.equal(saved.statusCode, 200, saved.body);
  const gif = await logo('image/gif', Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1'));
  t.equal(gif.statusCode, 400);
  t.match(gif.json(), { code: 'invalid_logo', detail: /PNG ou JPEG/ });
  const big = await logo('image/png', randomBytes(2 * 1024 * 1024));
  t.equal(big.statusCode, 400);
  t.match(big.json(), { code: 'invalid_logo', detail: /1 Mo au maximum/ });
  t.match((await logo('image/png', Buffer.from('not a png'))).json(), { code: 'invalid_logo' }, 'a file that does not decode');
  t.equal((await logo('image/png', png(120, 40))).statusCode, 200);

  const first = await download(`/api/v1/orders/${order.id}/proof.pdf`);
  t.match(imagesOf(first).join('\n'), /\bimage\b.*\b120\s+40\b/, 'the PNG logo is on the proof’s cover');
  const firstText = text(first);
  t.match(firstText, /Le numérique pour tous/);
  t.match(firstText, /Un cadeau du Département/);
  t.match(firstText, /Voici vos pass/, 'the letter is printed after the cover');
  t.match(firstText, /EPN de Muret/, 'with the labelled places of the territory');
  t.match(firstText, /Cachet de la structure/);

  const rejected = await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/reject`, payload: { comment: 'Le logo est trop petit.' } });
  t.equal(rejected.statusCode, 200, rejected.body);
  t.match(rejected.json(), { status: 'rejected', comment: 'Le logo est trop petit.' });
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` })).statusCode, 409, 'a rejected proof cannot be accepted');
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/booklets.pdf` })).statusCode, 409, 'nothing to print yet');

  t.equal((await logo('image/jpeg', jpg(300, 100))).statusCode, 200, 'a JPEG logo replaces it');
  const second = await download(`/api/v1/orders/${order.id}/proof.pdf`);
  t.match(imagesOf(second).join('\n'), /\bimage\b.*\b300\s+100\b.*\bjpeg\b/i, 'the JPEG logo is on the new proof');
  t.equal((await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` })).statusCode, 200);
  t.equal((await settings({ coverTitle: 'Trop tard' })).statusCode, 409, 'settings are frozen once the proof is accepted');

  const history = (await buyer.inject({ method: 'GET', url: `/api/v1/orders/${order.id}/print-settings` })).json() as { versions: { version: number; status: string; createdByName: string | null; decidedByName: string | null }[] };
  t.same(history.versions.map((v) => [v.version, v.status]), [[3, 'accepted'], [2, 'rejected'], [1, 'superseded']], 'every version is kept');
  t.ok(history.versions.every((v) => v.decidedByName === 'Utilisateur admin'), 'with who decided');
  const old = await download(`/api/v1/orders/${order.id}/proof.pdf?version=2`);
  t.match(imagesOf(old).join('\n'), /\b120\s+40\b/, 'an earlier version still renders as it was');

  const file = await download(`/api/v1/orders/${order.id}/booklets.pdf`);
  t.match(imagesOf(file).join('\n'), /\b300\s+100\b/, 'the print file has the accepted logo');
  t.notMatch(text(file), /SPÉCIMEN/, 'and live codes');
  const orderPage = await buyer.inject({ method: 'GET', url: `/commandes/${order.id}`, headers: { accept: 'text/html' } });
  t.equal(orderPage.statusCode, 200);
  t.match(orderPage.body, /Présentation des carnets/);
  t.match(orderPage.body, /Versions du BAT/);
  t.match(orderPage.body, /Le logo est trop petit/, 'the rejection comment is shown with its version');
  const other = await loginAs(app, world.otherBuyerAdmin);
  t.equal((await other.inject({ method: 'PATCH', url: `/api/v1/orders/${order.id}/print-settings`, payload: { coverTitle: 'x' } })).statusCode, 404, 'another buyer’s order is a 404');
});

t.test('print profiles: a print shop file has a 3 mm bleed with TrimBox and BleedBox; an office file has no ink within 5 mm of the edge', async (t) => {
  const { order, buyer, download } = await setup(t);
  await buyer.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` });
  const shop = await download(`/api/v1/orders/${order.id}/booklets.pdf?profil=imprimeur`);
  const boxes = execFileSync('pdfinfo', ['-box', '-f', '1', '-l', '2', shop], { encoding: 'utf8' });
  const box = (name: string) => new RegExp(`Page\\s+1 ${name}:\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)`).exec(boxes)!.slice(1).map(Number);
  const media = box('MediaBox');
  const trim = box('TrimBox');
  t.same(box('BleedBox'), media, 'the bleed box is the sheet');
  t.ok(Math.abs(trim[0]! - media[0]! - 8.504) < 0.01 && Math.abs(media[2]! - trim[2]! - 8.504) < 0.01, `TrimBox inset by 8.504 pt: ${trim.join(' ')} in ${media.join(' ')}`);
  t.ok(Math.abs(trim[2]! - trim[0]! - 595.28) < 0.01 && Math.abs(trim[3]! - trim[1]! - 841.89) < 0.01, 'the trim is A4');

  const office = await download(`/api/v1/orders/${order.id}/booklets.pdf`);
  const margin = Math.floor((5 / 25.4) * 150);
  for (const pageNumber of [1, 2]) {
    const img = rasterise(office, pageNumber, 150);
    let inked = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const nearEdge = x < margin || y < margin || x >= img.width - margin || y >= img.height - margin;
        if (nearEdge && img.pixels[y * img.width + x]! < 250) inked++;
      }
    }
    t.equal(inked, 0, `page ${pageNumber}: no ink within 5 mm of the edge`);
  }
});

t.test('proofs waiting: the operator sees those overdue after 3 working days, the buyer those waiting, with a reminder after 6 days', async (t) => {
  const { app, clock, world, order } = await setup(t);
  // A fresh session each time: the clock moves by days, past a session's lifetime.
  const overdue = async () =>
    ((await (await loginAs(app, world.operatorAdmin)).inject({ method: 'GET', url: '/api/v1/proofs/overdue' })).json() as { items: { id: string }[] }).items.map((i) => i.id);
  const waiting = async () =>
    ((await (await loginAs(app, world.buyerAdmin)).inject({ method: 'GET', url: '/api/v1/proofs/waiting' })).json() as { items: { id: string; remind: boolean }[] }).items;
  t.same(await overdue(), [], 'approved on Wednesday: not overdue yet');
  t.same(await waiting(), [{ id: order.id, reference: order.reference, approvedAt: order.approvedAt, remind: false }]);
  clock.set('2026-11-30T16:00:00.000Z');
  t.same(await overdue(), [], 'Monday is the third working day: still on time');
  clock.set('2026-12-01T09:00:00.000Z');
  t.same(await overdue(), [order.id], 'Tuesday: overdue');
  t.equal((await waiting())[0]?.remind, false);
  clock.set('2026-12-02T09:00:00.000Z');
  t.equal((await waiting())[0]?.remind, true, 'more than 6 days: remind the buyer');
  await (await loginAs(app, world.buyerAdmin)).inject({ method: 'POST', url: `/api/v1/orders/${order.id}/proof/accept` });
  t.same(await overdue(), [], 'an accepted proof is no longer overdue');
  t.same(await waiting(), []);
});
