import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { eq } from 'drizzle-orm';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';
import { startSmtpServer, pathOf } from '../helpers/mail.ts';
import { outboxMessages } from '../../db/schema/notifications.ts';
import { enqueueMessage } from '../../server/modules/notifications/outbox.ts';
import { MAX_ATTEMPTS, retryDelayMs } from '../../server/modules/notifications/outbox-sender.ts';

t.test('an invitation reaches a real SMTP server with the token returned by the API and a stable Message-ID', async (t) => {
  const smtp = await startSmtpServer(t, { credentials: { user: 'pass', pass: 'secret mot' } });
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url, mailFrom: 'Pass numérique <ne-pas-repondre@pass.test>' } });
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.buyerAdmin);
  const res = await admin.inject({
    method: 'POST',
    url: `/api/v1/organizations/${world.buyer.id}/users`,
    payload: { email: 'nouvelle@departement.test', name: 'Nouvelle Collègue', role: 'agent' },
  });
  t.equal(res.statusCode, 201);
  const { invitationToken } = res.json();
  t.equal(smtp.received.length, 0, 'nothing is sent inside the request');

  const report = await app.outbox.deliverDue();
  t.same(report, { sent: 1, retried: 0, failed: 0 });
  t.equal(smtp.received.length, 1);
  const mail = smtp.received[0]!;
  t.same(mail.envelopeTo, ['nouvelle@departement.test']);
  t.equal(mail.subject, 'Votre compte Pass numérique pour Département de test');
  t.match(mail.parsed.from?.text, /ne-pas-repondre@pass\.test/);
  t.equal(mail.link, `http://pass.test/invitation/${invitationToken}`, 'the mail carries the same token');
  t.match(mail.html, `href="http://pass.test/invitation/${invitationToken}"`, 'the HTML part links it too');
  const row = db.select().from(outboxMessages).get()!;
  t.equal(mail.messageId, `<${row.id}@pass.test>`, 'Message-ID derived from the outbox row');
  t.equal(row.status, 'sent');
  t.ok(row.sentAt);

  const page = await app.inject({ method: 'GET', url: pathOf(mail.link) });
  t.equal(page.statusCode, 200, 'the link opens the page to choose a password');
  t.match(page.body, 'Nouvelle Collègue');

  t.same(await app.outbox.deliverDue(), { sent: 0, retried: 0, failed: 0 }, 'a sent message never goes twice');
  t.equal(smtp.received.length, 1);
});

t.test('a message written in a transaction that rolls back is never sent', async (t) => {
  const smtp = await startSmtpServer(t);
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  t.throws(() =>
    db.transaction((tx) => {
      enqueueMessage({ tx, clock, template: 'password_changed', to: { email: 'a@b.test' }, data: { name: 'A' } });
      throw new Error('the causing event fails');
    }),
  );
  t.equal(db.select().from(outboxMessages).all().length, 0);
  t.same(await app.outbox.deliverDue(), { sent: 0, retried: 0, failed: 0 });
  t.equal(smtp.received.length, 0);
});

t.test('a server that refuses is retried with exponential back-off, and the message goes once it accepts', async (t) => {
  const smtp = await startSmtpServer(t, { refuse: 3 });
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  db.transaction((tx) => enqueueMessage({ tx, clock, template: 'password_changed', to: { email: 'a@b.test' }, data: { name: 'A' } }));

  for (let failed = 1; failed <= 3; failed++) {
    t.same(await app.outbox.deliverDue(), { sent: 0, retried: 1, failed: 0 }, `attempt ${failed} refused`);
    const row = db.select().from(outboxMessages).get()!;
    t.equal(row.status, 'pending');
    t.equal(row.attempts, failed);
    t.match(row.lastError, /451/);
    const expected = new Date(clock.now().getTime() + retryDelayMs(failed)).toISOString();
    t.equal(row.nextAttemptAt, expected, `next attempt ${retryDelayMs(failed) / 60_000} min later`);
    t.same(await app.outbox.deliverDue(), { sent: 0, retried: 0, failed: 0 }, 'not retried before its time');
    clock.advance(retryDelayMs(failed));
  }
  t.same(await app.outbox.deliverDue(), { sent: 1, retried: 0, failed: 0 });
  t.equal(smtp.received.length, 1);
  const row = db.select().from(outboxMessages).get()!;
  t.equal(row.status, 'sent');
  t.equal(row.attempts, 4);
});

t.test('after six refusals over about an hour the message is failed with the SMTP error, and "Renvoyer" sends it', async (t) => {
  const smtp = await startSmtpServer(t, { refuse: 100 });
  const { app, db, clock } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const world = await seedWorld(db);
  db.transaction((tx) => enqueueMessage({ tx, clock, template: 'password_changed', to: { email: 'a@b.test' }, data: { name: 'A' } }));
  const start = clock.now().getTime();
  for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
    await app.outbox.deliverDue();
    clock.advance(retryDelayMs(attempt));
  }
  t.ok(MAX_ATTEMPTS >= 5, 'at least five attempts');
  const spanMinutes = (clock.now().getTime() - start) / 60_000;
  t.ok(spanMinutes >= 45 && spanMinutes <= 90, `attempts spread over about an hour (${spanMinutes} min)`);
  t.same(await app.outbox.deliverDue(), { sent: 0, retried: 0, failed: 1 });
  const row = db.select().from(outboxMessages).get()!;
  t.equal(row.status, 'failed');
  t.equal(row.attempts, MAX_ATTEMPTS);
  t.match(row.lastError, /Boîte temporairement indisponible/);
  t.same(await app.outbox.deliverDue(), { sent: 0, retried: 0, failed: 0 }, 'a failed message is left alone');

  const operator = await loginAs(app, world.operatorAdmin);
  const list = await operator.inject({ method: 'GET', url: '/api/v1/outbox?status=failed' });
  t.equal(list.statusCode, 200);
  t.equal(list.json().items.length, 1);
  t.match(list.json().items[0], { id: row.id, to: 'a@b.test', subject: 'Votre mot de passe a été changé', status: 'failed', sentAt: null });
  const detail = await operator.inject({ method: 'GET', url: `/courriels/${row.id}` });
  t.equal(detail.statusCode, 200);
  t.match(detail.body, 'Boîte temporairement indisponible', 'the operator sees the SMTP error');
  t.match(detail.body, 'Renvoyer');

  smtp.refuseNext(0);
  const resend = await operator.inject({ method: 'POST', url: `/courriels/${row.id}/renvoyer`, payload: {}, headers: { 'content-type': 'application/json' } });
  t.equal(resend.statusCode, 303);
  t.same(await app.outbox.deliverDue(), { sent: 1, retried: 0, failed: 0 });
  t.equal(smtp.received.length, 1);
  const again = await operator.inject({ method: 'POST', url: `/api/v1/outbox/${row.id}/resend` });
  t.equal(again.statusCode, 409, 'a sent message cannot be resent');
  t.equal(again.json().code, 'message_not_failed');
});

t.test('without SMTP_URL each message is written as an .eml file under DATA_DIR/mail', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-mail-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const { app, db } = await buildTestApp(t, { config: { dataDir } });
  const world = await seedWorld(db);
  const admin = await loginAs(app, world.operatorAdmin);
  const res = await admin.inject({ method: 'POST', url: `/api/v1/organizations/${world.prescriber.id}/users`, payload: { email: 'agent@ml.test', name: 'Agent ML', role: 'agent' } });
  t.equal(res.statusCode, 201);
  t.same(await app.outbox.deliverDue(), { sent: 1, retried: 0, failed: 0 });
  const files = readdirSync(join(dataDir, 'mail'));
  t.equal(files.length, 1);
  t.match(files[0], /\.eml$/);
  const parsed = await simpleParser(readFileSync(join(dataDir, 'mail', files[0]!)));
  t.equal(parsed.subject, 'Votre compte Pass numérique pour Mission locale de test');
  t.match(parsed.from?.text, 'ne-pas-repondre@pass.test', 'default sender from PUBLIC_URL');
  t.match(parsed.text, `http://pass.test/invitation/${res.json().invitationToken}`);

  const page = await admin.inject({ method: 'GET', url: '/courriels' });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'agent@ml.test');
  const row = db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'agent@ml.test')).get()!;
  const detail = await admin.inject({ method: 'GET', url: `/courriels/${row.id}` });
  t.match(detail.body, `href="http://pass.test/invitation/${res.json().invitationToken}"`, 'the link is clickable on the page');
});

t.test('only the operator admins read the outbox', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (const user of [world.buyerAdmin, world.operatorFinance, world.placeAdmin]) {
    const session = await loginAs(app, user);
    t.equal((await session.inject({ method: 'GET', url: '/api/v1/outbox' })).statusCode, 403, user.email);
    t.equal((await session.inject({ method: 'GET', url: '/courriels' })).statusCode, 403);
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/outbox' })).statusCode, 401);
});

t.test('the outbox list pages with a cursor, newest first', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  const world = await seedWorld(db);
  for (let i = 0; i < 3; i++) {
    db.transaction((tx) => enqueueMessage({ tx, clock, template: 'password_changed', to: { email: `p${i}@b.test` }, data: { name: 'P' } }));
    clock.advance(1000);
  }
  const operator = await loginAs(app, world.operatorAdmin);
  const first = (await operator.inject({ method: 'GET', url: '/api/v1/outbox?limit=2' })).json();
  t.same(first.items.map((i: { to: string }) => i.to), ['p2@b.test', 'p1@b.test']);
  t.ok(first.nextCursor);
  const second = (await operator.inject({ method: 'GET', url: `/api/v1/outbox?limit=2&cursor=${first.nextCursor}` })).json();
  t.same(second.items.map((i: { to: string }) => i.to), ['p0@b.test']);
  t.equal(second.nextCursor, null);
});

t.test('a crash between commit and delivery loses nothing: the message goes once, at the next start', async (t) => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'pn-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const databasePath = join(dir, 'passnum.sqlite');
  const child = spawn(process.execPath, ['--import=tsx', join(import.meta.dirname, '..', 'fixtures', 'outbox-crash-child.ts'), databasePath], {
    cwd: join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const token = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /committed (\S+)\n/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  t.equal(await exited, 'SIGKILL', 'the process died before delivering anything');

  const smtp = await startSmtpServer(t);
  // A real start: the sender's first round runs as the app becomes ready.
  const { app, db } = await buildTestApp(t, { databasePath, config: { smtpUrl: smtp.url, mailPollIntervalMs: 3_600_000 } });
  t.equal(db.select().from(outboxMessages).get()!.status, 'pending', 'the committed message survived the crash');
  await app.ready();
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1);
  t.equal(smtp.received[0]!.link, `http://pass.test/invitation/${token}`);
  t.equal(db.select().from(outboxMessages).get()!.status, 'sent');
  await app.outbox.deliverDue();
  t.equal(smtp.received.length, 1, 'sent exactly once');
});
