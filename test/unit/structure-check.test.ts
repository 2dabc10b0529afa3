import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkStructure, inlineErrors, queryUses } from '../../scripts/check-structure.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'structure-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

const QUERY = "import { eq } from 'drizzle-orm';\nimport { orders } from '../../../db/schema/orders.ts';\nexport const q = (db: any) => db.select().from(orders).where(eq(orders.id, 'x')).get();\n";

t.test('a service that builds a query is refused; the same code in a repository is not', async (t) => {
  const root = tree({
    'server/modules/orders/orders.service.ts': QUERY,
    'server/modules/orders/orders.repository.ts': QUERY,
  });
  const findings = checkStructure(root, new Set(), new Set(), new Set());
  t.same(findings.map((f) => [f.file, f.rule]), [['server/modules/orders/orders.service.ts', 'query-outside-repository']]);
  t.match(findings[0]!.detail, /eq from 'drizzle-orm'.*orders from/);
});

t.test('type imports and the schema constant lists are no query', async (t) => {
  t.same(queryUses('a.ts', "import type { SQL } from 'drizzle-orm';\nimport { ORDER_STATUSES, type OrderRow } from '../db/schema/orders.ts';\n"), []);
  t.same(queryUses('a.ts', "import { type SQL, sql } from 'drizzle-orm';\n"), ["sql from 'drizzle-orm'"]);
  t.same(queryUses('a.ts', 'export const n = (c: any) => c.$client.prepare("SELECT 1").get();\n'), ['the raw connection ($client)', 'a prepared statement (.prepare)']);
});

t.test('a file over 400 lines needs its reason at the top', async (t) => {
  const long = Array.from({ length: 401 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
  const root = tree({
    'server/shared/long.ts': long,
    'server/shared/explained.ts': '// Over 400 lines: one table of constants, read as a whole.\n' + long,
    'server/shared/short.ts': 'export const a = 1;\n',
  });
  t.same(checkStructure(root, new Set(), new Set(), new Set()).map((f) => [f.file, f.rule]), [['server/shared/long.ts', 'file-too-long']]);
});

t.test('the pending lists can only shrink', async (t) => {
  const root = tree({ 'server/modules/a/a.service.ts': 'export const clean = 1;\n' });
  t.same(checkStructure(root, new Set(['server/modules/a/a.service.ts']), new Set(['server/modules/a/a.service.ts']), new Set(['server/modules/a/a.service.ts'])).map((f) => f.rule), [
    'pending-file-is-short',
    'pending-file-is-clean',
    'pending-file-is-clean',
  ]);
});

const PROBLEM = "import { notFound as missing, conflict, type DomainError } from '../../shared/problem.ts';\n";

t.test('an error built in place is refused; the same factory in an errors file is not', async (t) => {
  const root = tree({
    'server/modules/orders/orders.service.ts': PROBLEM + "export const f = () => { throw missing('order_not_found', 'Commande introuvable.'); };\n",
    'server/modules/orders/orders.api.ts': "import { DomainError } from '../../shared/problem.ts';\nexport const g = () => new DomainError(409, 'x', 'X.');\n",
    'server/modules/orders/orders.errors.ts': PROBLEM + "export const orderNotFound = (): DomainError => missing('order_not_found', 'Commande introuvable.');\nexport const taken = () => conflict('taken', 'Déjà pris.');\n",
    // A call that merely shares a name with a helper, not imported from problem.ts, is no error built.
    'server/modules/orders/orders.pages.ts': "const conflict = (a: string) => a;\nexport const h = () => conflict('x');\n",
    'server/modules/orders/orders.view.ts': "import { orderNotFound } from './orders.errors.ts';\nexport const i = () => { throw orderNotFound(); };\n",
  });
  const findings = checkStructure(root, new Set(), new Set(), new Set());
  t.same(findings.map((f) => [f.file, f.rule]).sort(), [
    ['server/modules/orders/orders.api.ts', 'inline-domain-error'],
    ['server/modules/orders/orders.service.ts', 'inline-domain-error'],
  ]);
  t.same(inlineErrors('a.ts', PROBLEM + "export const f = () => missing('a', 'A.');\n"), ['notFound(…), ligne 2']);
});

t.test('two areas that import each other are refused, even for a type through different files', async (t) => {
  const root = tree({
    'server/modules/a/a.service.ts': "import { b } from '../b/b.service.ts';\nexport const a = () => b;\n",
    'server/modules/b/b.view.ts': "import type { A } from '../a/a.types.ts';\nexport type V = A;\n",
    'server/modules/a/a.types.ts': 'export type A = 1;\n',
    'server/modules/b/b.service.ts': 'export const b = 1;\n',
    // One way only: c reads a, a never reads c.
    'server/modules/c/c.service.ts': "import { a } from '../a/a.service.ts';\nexport const c = a;\n",
  });
  const findings = checkStructure(root, new Set(), new Set(), new Set());
  t.same(findings.map((f) => [f.file, f.rule]), [['server/modules/a', 'two-way-modules']]);
  t.match(findings[0]!.detail, /a et b s’importent/);
});

t.test('pass and booklet rows are written by the booklets module only', async (t) => {
  const root = tree({
    'server/modules/finance/expiry.repository.ts': "import { sql } from 'drizzle-orm';\nexport const f = (tx: any) => tx.run(sql`UPDATE passes SET status = 'expired'`);\n",
    'server/modules/redemption/redemption.repository.ts': "import { passes } from '../../../db/schema/booklets.ts';\nexport const g = (tx: any) => tx.update(passes).set({ status: 'active' }).run();\n",
    'server/modules/booklets/booklet-status.repository.ts': "import { passes } from '../../../db/schema/booklets.ts';\nexport const h = (tx: any) => tx.update(passes).set({ status: 'active' }).run();\n",
  });
  t.same(checkStructure(root, new Set(), new Set(), new Set()).map((f) => [f.file, f.rule]).sort(), [
    ['server/modules/finance/expiry.repository.ts', 'status-written-outside-booklets'],
    ['server/modules/redemption/redemption.repository.ts', 'status-written-outside-booklets'],
  ]);
});

t.test('the tree holds no query outside repositories beyond the pending list', async (t) => {
  t.same(checkStructure(resolve(import.meta.dirname, '../..')), []);
});
