import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { defaultMailFrom, messageIdFor } from '../../server/modules/notifications/mail-transport.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'pn-mail-config-'));

t.test('SMTP_URL accepts smtp:// and smtps:// only, and names itself when refused', async (t) => {
  t.equal(loadConfig({ DATA_DIR: dir(), SMTP_URL: 'smtp://u:p@mail.example.fr:587' }).smtpUrl, 'smtp://u:p@mail.example.fr:587');
  t.equal(loadConfig({ DATA_DIR: dir(), SMTP_URL: 'smtps://mail.example.fr' }).smtpUrl, 'smtps://mail.example.fr');
  t.throws(() => loadConfig({ DATA_DIR: dir(), SMTP_URL: 'http://mail.example.fr' }), { name: 'ConfigError', message: /SMTP_URL/ });
  t.equal(loadConfig({ DATA_DIR: dir() }).smtpUrl, undefined, 'absent: the file transport');
});

t.test('MAIL_FROM defaults to ne-pas-repondre at the PUBLIC_URL host; Message-IDs are per outbox row', async (t) => {
  t.equal(defaultMailFrom('https://pass.example.gouv.fr'), 'Pass numérique <ne-pas-repondre@pass.example.gouv.fr>');
  t.equal(loadConfig({ DATA_DIR: dir(), MAIL_FROM: 'Pass <contact@example.fr>' }).mailFrom, 'Pass <contact@example.fr>');
  t.equal(messageIdFor('0190-abc', 'https://pass.example.gouv.fr'), '<0190-abc@pass.example.gouv.fr>');
});
