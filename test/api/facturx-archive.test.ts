import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { facturxArchiveHandler } from '../../server/modules/finance/facturx-archive.job.ts';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createApprovedOrder, createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';

const post = (s: Session, url: string, payload: Record<string, unknown>) => s.inject({ method: 'POST', url, payload });

/**
 * November 2026: an order with the State's share (its invoice and its call for funds) and one
 * without (one invoice, its passes valid in November only). December: a third order's invoice.
 * January 2027: the credit note of the November-only order.
 */
async function documents(t: Test) {
  const ctx = await buildTestApp(t);
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  const program = createProgram(ctx.db);
  createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2, passesPerBooklet: 2, cofinancingProgramId: program.id });
  const shortLived = createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 2, validFrom: '2026-11-01', validUntil: '2026-11-30' });
  ctx.clock.set('2026-12-03T10:00:00Z');
  createApprovedOrder(ctx.db, ctx.clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 1, passesPerBooklet: 2 });
  ctx.clock.set('2027-01-05T10:00:00Z');
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  t.equal((await post(operator, `/api/v1/orders/${shortLived.id}/expire`, {})).statusCode, 200);
  // Two documents per chunk: the ZIP is committed in several pieces, as a large period would be.
  ctx.app.jobs.register(facturxArchiveHandler(ctx.db, { operatorIban: ctx.config.operatorAccount.iban, documentsPerChunk: 2 }));
  const finance = await loginAs(ctx.app, world.operatorFinance);
  return { ...ctx, world, finance };
}

async function archiveOf(t: Test, ctx: Awaited<ReturnType<typeof documents>>, period: Record<string, string>) {
  const res = await post(ctx.finance, '/api/v1/exports/factur-x/jobs', period);
  t.equal(res.statusCode, 202);
  await ctx.app.jobs.runUntilIdle();
  const job = (await ctx.finance.inject({ method: 'GET', url: `/api/v1/jobs/${res.json().jobId}` })).json();
  t.equal(job.status, 'done');
  const file = await ctx.finance.inject({ method: 'GET', url: job.file.url });
  t.equal(file.headers['content-type'], 'application/zip');
  const dir = mkdtempSync(join(tmpdir(), 'facturx-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'archive.zip'), file.rawPayload);
  const listing = execFileSync('unzip', ['-l', join(dir, 'archive.zip')]).toString();
  execFileSync('unzip', ['-q', join(dir, 'archive.zip'), '-d', join(dir, 'out')]);
  const names = readdirSync(join(dir, 'out')).filter((n) => n.endsWith('.pdf')).sort();
  return { job, listing, names, dir: join(dir, 'out') };
}

t.test('a month’s Factur-X files in one ZIP, named by number, each with its factur-x.xml', async (t) => {
  const ctx = await documents(t);
  const { job, listing, names, dir } = await archiveOf(t, ctx, { month: '2026-11' });
  t.match(job, { progress: { done: 3, total: 3 }, result: { from: '2026-11-01', to: '2026-11-30', documentCount: 3 }, file: { name: 'factur-x_2026-11-01_2026-11-30.zip' } });
  t.same(names, ['FAC-2026-000001.pdf', 'FAC-2026-000002.pdf', 'FAC-2026-000003.pdf'], 'exactly the month’s invoices and call for funds');
  t.match(listing, /3 files/);
  for (const name of names) t.match(execFileSync('pdfdetach', ['-list', join(dir, name)]).toString(), /factur-x\.xml/, `${name} carries its Factur-X XML`);
  execFileSync('pdfdetach', ['-save', '1', '-o', join(dir, 'second.xml'), join(dir, 'FAC-2026-000002.pdf')]);
  const xml = readFileSync(join(dir, 'second.xml'), 'utf8');
  t.match(xml, /<ram:ID>FAC-2026-000002<\/ram:ID>/, 'the XML is the document’s own');
});

t.test('a period given by two dates takes the invoices and credit notes issued between them', async (t) => {
  const ctx = await documents(t);
  const { names, dir } = await archiveOf(t, ctx, { from: '2026-12-01', to: '2027-01-31' });
  t.same(names, ['AV-2027-000001.pdf', 'FAC-2026-000004.pdf']);
  t.match(execFileSync('pdfdetach', ['-list', join(dir, 'AV-2027-000001.pdf')]).toString(), /factur-x\.xml/);
});

t.test('a ZIP is refused for a bad or empty period, and to anyone but finance', async (t) => {
  const ctx = await documents(t);
  const { finance, app, world } = ctx;
  t.equal((await post(finance, '/api/v1/exports/factur-x/jobs', { month: '2026-13' })).statusCode, 400);
  const reversed = await post(finance, '/api/v1/exports/factur-x/jobs', { from: '2026-12-31', to: '2026-12-01' });
  t.equal(reversed.statusCode, 400);
  t.match(reversed.json().errors, [{ path: 'to', message: /date de fin précède la date de début/ }]);
  t.equal((await post(finance, '/api/v1/exports/factur-x/jobs', { from: '2025-01-01', to: '2026-12-31' })).statusCode, 400, 'a year at most');
  const empty = await post(finance, '/api/v1/exports/factur-x/jobs', { month: '2025-06' });
  t.equal(empty.statusCode, 422);
  t.equal(empty.json().code, 'no_documents_in_period');
  const buyer = await loginAs(app, world.buyerAdmin);
  t.equal((await post(buyer, '/api/v1/exports/factur-x/jobs', { month: '2026-11' })).statusCode, 403);

  const form = (fields: Record<string, string>) =>
    finance.inject({ method: 'POST', url: '/finances/factures/archive', payload: new URLSearchParams({ _csrf: finance.csrfToken, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const bad = await form({ mois: 'novembre', du: '', au: '' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /mois attendu au format AAAA-MM/);
  t.match(bad.body, /value="novembre"/, 'the input is kept');
  const started = await form({ mois: '2026-11', du: '', au: '' });
  t.equal(started.statusCode, 303);
  t.match(started.headers.location, /^\/travaux\/[^?]+\?retour=%2Ffinances%2Ffactures$/);
});
