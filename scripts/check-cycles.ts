/**
 * Fails on any import cycle between source files, type-only imports included: a type cycle is
 * harmless at run time but still ties two files' designs together, and the architecture (README,
 * "Sens des dépendances") wants each area to depend one way only. ESLint's import-x/no-cycle skips
 * type imports, hence this check beside it (`npm run lint` runs both).
 *
 *   tsx scripts/check-cycles.ts [root ...]   (default: server db scripts)
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(ts|mts|mjs|js)$/;

export function sourceFiles(root: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(root)) {
    if (name === 'node_modules' || name === 'public' || name.startsWith('.')) continue;
    const path = join(root, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** Relative imports and re-exports of one file (`import type` included), resolved to files. */
export function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets: string[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolve(dirname(file), fileName);
    if (existsSync(target) && statSync(target).isFile()) targets.push(target);
  }
  return targets;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
export function findCycles(files: string[]): string[][] {
  const known = new Set(files);
  const edges = new Map(files.map((file) => [file, importsOf(file).filter((target) => known.has(target))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (edges.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename);
if (isMain) {
  const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['server', 'db', 'scripts'];
  const cycles = findCycles(roots.flatMap((root) => sourceFiles(resolve(root))));
  for (const cycle of cycles) {
    console.error(`Cycle d’imports entre ${cycle.length} fichiers :\n${cycle.map((file) => `  - ${relative(process.cwd(), file)}`).join('\n')}`);
  }
  if (cycles.length > 0) {
    console.error(`\n${cycles.length} cycle(s) d’imports : chaque fichier doit dépendre des autres dans un seul sens (README, « Sens des dépendances »).`);
    process.exit(1);
  }
  console.log('Aucun cycle d’imports.');
}
