import t from 'tap';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../server/config.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'pn-config-'));

t.test('defaults give port 3000, a database inside the data directory and demo data', async (t) => {
  const dir = tempDir();
  const config = loadConfig({ DATA_DIR: dir });
  t.equal(config.port, 3000);
  t.equal(config.databasePath, join(dir, 'passnum.sqlite'));
  t.equal(config.demoData, true);
  t.equal(config.publicUrl, 'http://localhost:3000');
  t.equal(config.secureCookies, false);
});

t.test('missing secrets are generated once with 0600 permissions and reused on the next start', async (t) => {
  const dir = tempDir();
  const first = loadConfig({ DATA_DIR: dir });
  const file = join(dir, 'secrets.json');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.ok(first.sessionSecret.length >= 32);
  t.not(first.sessionSecret, first.passCodeSecret);
  const second = loadConfig({ DATA_DIR: dir });
  t.equal(second.sessionSecret, first.sessionSecret);
  t.equal(second.passCodeSecret, first.passCodeSecret);
  t.match(readFileSync(file, 'utf8'), first.passCodeSecret);
});

t.test('secrets given in the environment win over stored ones', async (t) => {
  const secret = 'x'.repeat(40);
  const config = loadConfig({ DATA_DIR: tempDir(), SESSION_SECRET: secret, PASS_CODE_SECRET: 'y'.repeat(40) });
  t.equal(config.sessionSecret, secret);
});

t.test('an https public URL turns on Secure cookies', async (t) => {
  const config = loadConfig({ DATA_DIR: tempDir(), PUBLIC_URL: 'https://pass.example.gouv.fr/' });
  t.equal(config.secureCookies, true);
  t.equal(config.publicUrl, 'https://pass.example.gouv.fr');
});

t.test('bad configuration stops the boot with a readable message naming each variable', async (t) => {
  let message = '';
  try {
    loadConfig({ DATA_DIR: tempDir(), PORT: 'abc', PUBLIC_URL: 'pas une url', DEMO_DATA: 'peut-être' });
  } catch (error) {
    t.ok(error instanceof ConfigError);
    message = (error as Error).message;
  }
  t.match(message, /PORT/);
  t.match(message, /PUBLIC_URL/);
  t.match(message, /DEMO_DATA/);
  t.throws(() => loadConfig({ DATA_DIR: tempDir(), SESSION_SECRET: 'court' }), /SESSION_SECRET/);
  t.throws(() => loadConfig({ DATA_DIR: tempDir(), BOOTSTRAP_ADMIN_EMAIL: 'a@b.fr' }), /BOOTSTRAP_ADMIN_PASSWORD/);
});

t.test('DEMO_DATA=false turns the demo set off', async (t) => {
  t.equal(loadConfig({ DATA_DIR: tempDir(), DEMO_DATA: 'false' }).demoData, false);
});

t.test('TRUST_PROXY: no proxy by default, a hop count or addresses and CIDRs; "true" and junk are refused', async (t) => {
  const dir = tempDir();
  t.equal(loadConfig({ DATA_DIR: dir }).trustProxy, false, 'X-Forwarded-For ignored unless said otherwise');
  t.equal(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '1' }).trustProxy, 1);
  t.same(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1']);
  t.throws(() => loadConfig({ DATA_DIR: dir, TRUST_PROXY: 'true' }), ConfigError);
  t.throws(() => loadConfig({ DATA_DIR: dir, TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
  t.throws(() => loadConfig({ DATA_DIR: dir, TRUST_PROXY: 'proxy.example' }), /TRUST_PROXY/);
});

t.test('MFA_REQUIRED defaults to true behind https, false on plain http, and can be set either way', async (t) => {
  const dir = tempDir();
  t.equal(loadConfig({ DATA_DIR: dir }).mfaRequired, false);
  t.equal(loadConfig({ DATA_DIR: dir, PUBLIC_URL: 'https://pass.example.gouv.fr' }).mfaRequired, true);
  t.equal(loadConfig({ DATA_DIR: dir, PUBLIC_URL: 'https://pass.example.gouv.fr', MFA_REQUIRED: 'false' }).mfaRequired, false);
  t.equal(loadConfig({ DATA_DIR: dir, MFA_REQUIRED: 'true' }).mfaRequired, true);
});
