import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

t.test('every response carries the security headers: pages, API answers and errors alike', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/connexion', '/api/v1/openapi.json', '/api/v1/nothing-here', '/p/NOT-A-CODE']) {
    const res = await app.inject({ method: 'GET', url });
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /default-src 'self'/, `${url}: CSP`);
    t.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, `${url}: scripts and the QR decoder's wasm from this origin only`);
    t.match(csp, /media-src 'self' blob:/, `${url}: the camera preview`);
    t.notMatch(csp, /upgrade-insecure-requests/, `${url}: not over plain http`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    t.equal(res.headers['strict-transport-security'], undefined, `${url}: no HSTS over plain http`);
  }
});

t.test('behind https: HSTS and upgrade-insecure-requests', async (t) => {
  const { app } = await buildTestApp(t, { config: { publicUrl: 'https://pass.example.gouv.fr', secureCookies: true } });
  const res = await app.inject({ method: 'GET', url: '/connexion' });
  t.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
  t.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
});
