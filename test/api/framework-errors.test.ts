import t from 'tap';
import net from 'node:net';
import { buildTestApp } from '../helpers/app.ts';

/** Sends raw bytes on one connection; resolves with all that came back once the server closes it. */
function exchange(port: number, request: string): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve({ text, closedByServer: true }));
    socket.on('error', reject);
  });
}

const head = (text: string) => text.split('\r\n\r\n')[0]!;
const body = (text: string) => JSON.parse(text.split('\r\n\r\n')[1]!) as { status: number; code: string; detail: string };

t.test('Fastify’s own refusals are problem+json over a real socket', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;

  const badUrl = await exchange(port, 'GET /api/v1/%zz HTTP/1.1\r\nHost: pass.test\r\nConnection: close\r\n\r\n');
  t.match(head(badUrl.text), /^HTTP\/1.1 400/);
  t.match(head(badUrl.text), /content-type: application\/problem\+json/i);
  t.equal(body(badUrl.text).code, 'bad_url');

  const longParam = await exchange(port, `GET /api/v1/organizations/${'a'.repeat(300)} HTTP/1.1\r\nHost: pass.test\r\nConnection: close\r\n\r\n`);
  t.match(head(longParam.text), /^HTTP\/1.1 414/);
  t.match(head(longParam.text), /content-type: application\/problem\+json/i);
  t.equal(body(longParam.text).code, 'uri_too_long');

  // A keep-alive client whose headers overflow: it must be told the connection ends, not reset later.
  const overflow = await exchange(port, `GET /api/v1/me HTTP/1.1\r\nHost: pass.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\nGET /api/v1/me HTTP/1.1\r\nHost: pass.test\r\n\r\n`);
  t.match(head(overflow.text), /^HTTP\/1.1 431/);
  t.match(head(overflow.text), /Connection: close/);
  t.match(head(overflow.text), /Content-Type: application\/problem\+json/);
  t.equal(body(overflow.text).status, 431);
  t.equal(body(overflow.text).code, 'headers_too_large');
  t.ok(overflow.closedByServer, 'the server ends the connection cleanly');

  const malformed = await exchange(port, 'GARBAGE\r\n\r\n');
  t.match(head(malformed.text), /^HTTP\/1.1 400/);
  t.equal(body(malformed.text).code, 'bad_request');
});

t.test('the router’s refusals are problem+json through inject too, and an HTML page for browsers', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/lieux/%E0%A4%A' });
  t.equal(res.statusCode, 400);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  const page = await app.inject({ method: 'GET', url: '/lieux/%E0%A4%A', headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 400);
  t.match(page.body, /encodage invalide/);
});
