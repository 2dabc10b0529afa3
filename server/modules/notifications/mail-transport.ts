import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Config } from '../../config.ts';

export interface OutgoingMail {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/** Where messages go: an SMTP server, or .eml files in DATA_DIR/mail/. Both build the same MIME message. */
export interface MailTransport {
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function defaultMailFrom(publicUrl: string): string {
  return `Pass numérique <ne-pas-repondre@${new URL(publicUrl).hostname}>`;
}

export function messageIdFor(rowId: string, publicUrl: string): string {
  return `<${rowId}@${new URL(publicUrl).hostname}>`;
}

const envelope = (from: string, mail: OutgoingMail) => ({
  from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  messageId: mail.messageId,
  attachments: mail.attachments,
});

function smtpTransport(smtpUrl: string, from: string): MailTransport {
  // Timeouts short enough that a dead server makes a failed attempt (retried later), not a stuck sender.
  const transporter = createTransport({ url: smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
  const url = new URL(smtpUrl);
  return {
    description: `SMTP ${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`,
    async send(mail) {
      await transporter.sendMail(envelope(from, mail));
    },
    close: () => transporter.close(),
  };
}

/** Without SMTP_URL: each message is written as DATA_DIR/mail/<id>.eml, readable by any mail client. */
function fileTransport(directory: string, from: string): MailTransport {
  const transporter = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `fichiers .eml dans ${directory}`,
    async send(mail) {
      const info = await transporter.sendMail(envelope(from, mail));
      mkdirSync(directory, { recursive: true });
      const name = mail.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_');
      writeFileSync(join(directory, `${name}.eml`), info.message as Buffer);
    },
    close: () => transporter.close(),
  };
}

export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'publicUrl' | 'dataDir'>): MailTransport {
  const from = config.mailFrom ?? defaultMailFrom(config.publicUrl);
  return config.smtpUrl ? smtpTransport(config.smtpUrl, from) : fileTransport(join(config.dataDir, 'mail'), from);
}
