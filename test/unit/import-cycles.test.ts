import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findCycles, sourceFiles } from '../../scripts/check-cycles.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cycles-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

t.test('a type-only import that closes a loop is a cycle', async (t) => {
  const root = tree({
    'orders.ts': "import { issue } from './issuance.ts';\nexport const approve = () => issue();\n",
    'issuance.ts': "import type { Order } from './orders.ts';\nexport const issue = (o?: Order) => o;\n",
    'money.ts': 'export const cents = 1;\n',
  });
  const cycles = findCycles(sourceFiles(root));
  t.equal(cycles.length, 1);
  t.same(cycles[0]!.map((file) => file.slice(root.length + 1)), ['issuance.ts', 'orders.ts']);
});

t.test('a loop through three files and a re-export is found once', async (t) => {
  const root = tree({
    'a.ts': "export * from './b.ts';\n",
    'b.ts': "import './c.ts';\nexport const b = 1;\n",
    'c.ts': "import { a } from './a.ts';\nexport const c = a;\n",
  });
  t.equal(findCycles(sourceFiles(root)).length, 1);
});

t.test('one-way dependencies are not a cycle', async (t) => {
  const root = tree({
    'a.ts': "import { b } from './b.ts';\nimport { c } from './c.ts';\nexport const a = b + c;\n",
    'b.ts': "import { c } from './c.ts';\nexport const b = c;\n",
    'c.ts': "import { readFileSync } from 'node:fs';\nexport const c = typeof readFileSync;\n",
  });
  t.same(findCycles(sourceFiles(root)), []);
});

t.test('the service itself has no import cycle', async (t) => {
  const files = ['server', 'db', 'scripts'].flatMap((dir) => sourceFiles(resolve(import.meta.dirname, '../..', dir)));
  t.ok(files.length > 200, 'the scan sees the source tree');
  t.same(findCycles(files), []);
});
