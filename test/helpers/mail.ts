import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  parsed: ParsedMail;
  envelopeTo: string[];
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The first absolute link of the plain-text body. */
  link: string | undefined;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A real SMTP server on loopback, port chosen by the system. `refuse` makes it answer the next N
 * messages with a 451 (temporary failure) before accepting; `credentials` requires AUTH.
 * Messages are parsed (mailparser) before the server answers 250, so once the sender's round
 * resolves, every accepted message is in `received`.
 */
export async function startSmtpServer(t: Teardown, options: { refuse?: number; credentials?: { user: string; pass: string } } = {}) {
  let refuse = options.refuse ?? 0;
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: options.credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.credentials,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.credentials?.user && auth.password === options.credentials?.pass;
      callback(ok ? null : new Error('Identifiants refusés'), ok ? { user: auth.username } : undefined);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (refuse > 0) {
            refuse--;
            const error = new Error('Boîte temporairement indisponible') as Error & { responseCode: number };
            error.responseCode = 451;
            return callback(error);
          }
          const text = parsed.text ?? '';
          const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? '');
          received.push({
            parsed,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            to,
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            link: /https?:\/\/\S+/.exec(text)?.[0],
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const auth = options.credentials ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.pass)}@` : '';
  return {
    url: `smtp://${auth}127.0.0.1:${port}`,
    received,
    refuseNext(n: number) {
      refuse = n;
    },
  };
}

/** The path and query of an absolute link of a message, to follow it with inject. */
export function pathOf(link: string | undefined): string {
  if (!link) throw new Error('no link in the message');
  const url = new URL(link);
  return url.pathname + url.search;
}
