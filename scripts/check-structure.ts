/**
 * Two rules of the architecture (README, "Architecture") that ESLint cannot say:
 *
 * - **Queries live in repositories.** A production file that is not a repository (`*.repository.ts`),
 *   a prepared-statement module for a hot path (`*.statements.ts`) or the database port itself
 *   (`db/`, `server/plugins/database.ts`) may not import query builders from drizzle-orm nor
 *   tables from `db/schema` as values, nor reach the raw connection (`$client`, `.prepare(`).
 *   Type imports and the schema's constant lists (`ORDER_STATUSES`…) are fine: they carry no query.
 * - **Errors come from factories.** Each area raises its refusals through `<area>.errors.ts`
 *   (one factory per error: its status, stable code and French message in one place). Elsewhere in
 *   `server/`, no `new DomainError(…)` and no call to the helpers of `server/shared/problem.ts`
 *   (`notFound(…)`, `conflict(…)`…).
 * - **Modules depend one way.** No two areas of `server/modules` import each other, even for a
 *   type and through different files (README, "Sens des dépendances"): check-cycles.ts catches
 *   cycles between files, this catches the looser two-way dependency between areas.
 * - **One owner per lifecycle.** Pass and booklet rows are updated by the booklets module only
 *   (`booklet-status.repository.ts`, `pass-status.statements.ts`, issuance): redemption, distribution,
 *   expiry and reimbursement call its named transitions.
 * - **Files stay small.** A source file over MAX_LINES lines says why at its top, in a comment
 *   holding "Over 400 lines:" and the reason.
 *
 * PENDING lists the files not yet moved to this shape; the check also fails when one of them no
 * longer breaks the rule, so the list can only shrink.
 *
 *   tsx scripts/check-structure.ts [root]   (default: the repository)
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './check-cycles.ts';

export const MAX_LINES = 400;
const SIZE_REASON = /Over 400 lines:/;

const QUERY_OWNERS = [/\.repository\.ts$/, /\.statements\.ts$/, /^db\//, /^server\/plugins\/database\.ts$/];
/** Constant lists exported by the schema (`ORDER_STATUSES`): values, but no query. */
const SCHEMA_CONSTANT = /^[A-Z][A-Z0-9_]*$/;

/** Files still over MAX_LINES without a reason, each to be split by responsibility. */
export const PENDING_SIZE: ReadonlySet<string> = new Set<string>([
]);

/** Files that still hold queries, each to be moved into its area's repository. */
export const PENDING: ReadonlySet<string> = new Set<string>([
]);

/** Files that still build their errors inline, each to move its refusals into `<area>.errors.ts`. */
export const PENDING_ERRORS: ReadonlySet<string> = new Set<string>([]);

/** The constructors of `server/shared/problem.ts`: only `*.errors.ts` files call them. */
const ERROR_HELPERS = new Set(['badRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'unprocessable', 'tooManyRequests']);
const ERROR_OWNERS = [/\.errors\.ts$/, /^server\/shared\/problem\.ts$/];

export interface Finding {
  file: string;
  rule: 'query-outside-repository' | 'file-too-long' | 'pending-file-is-clean' | 'pending-file-is-short' | 'inline-domain-error' | 'two-way-modules' | 'status-written-outside-booklets';
  detail: string;
}

/** What in this file builds or runs a query, or [] when nothing does. */
export function queryUses(path: string, text: string): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const from = statement.moduleSpecifier.text;
    const isDrizzle = /^drizzle-orm(\/|$)/.test(from);
    const isSchema = /(^|\/)db\/schema(\/|\.ts$|$)/.test(from);
    if (!isDrizzle && !isSchema) continue;
    const names: string[] = [];
    if (clause.name) names.push(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(`* as ${bindings.name.text}`);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) if (!element.isTypeOnly) names.push(element.name.text);
    }
    const valueNames = isSchema ? names.filter((name) => !SCHEMA_CONSTANT.test(name)) : names;
    if (valueNames.length > 0) found.push(`${valueNames.join(', ')} from '${from}'`);
  }
  if (/\$client\b/.test(text)) found.push('the raw connection ($client)');
  if (/\.prepare\(/.test(text)) found.push('a prepared statement (.prepare)');
  return found;
}

/**
 * Where a file builds a DomainError itself: `new DomainError(…)`, or a call to one of problem.ts's
 * helpers imported under its own name or another (`import { notFound as missing }`).
 */
export function inlineErrors(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const helpers = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!/(^|\/)shared\/problem(\.ts)?$|^\.\/problem(\.ts)?$/.test(statement.moduleSpecifier.text)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      if (ERROR_HELPERS.has(imported)) helpers.set(element.name.text, imported);
    }
  }
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const line = () => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'DomainError') found.push(`new DomainError, ligne ${line()}`);
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && helpers.has(node.expression.text)) found.push(`${helpers.get(node.expression.text)}(…), ligne ${line()}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A write to the passes or booklets table, in SQL text or through drizzle's builder. */
const STATUS_WRITE = /\bUPDATE\s+(passes|booklets)\b|\.update\(\s*(passes|booklets)\s*\)/i;

/** The area a path of server/modules belongs to, or undefined outside it. */
function areaOf(file: string): string | undefined {
  return /^server\/modules\/([^/]+)\//.exec(file)?.[1];
}

/** Every pair of areas that import each other (a → b and b → a), with one import each way as evidence. */
export function twoWayModules(files: { file: string; text: string }[]): Finding[] {
  const edges = new Map<string, string>();
  for (const { file, text } of files) {
    const from = areaOf(file);
    if (!from) continue;
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const target = join(file, '..', match[1]!).split('\\').join('/');
      const to = areaOf(target);
      if (to && to !== from && !edges.has(`${from}>${to}`)) edges.set(`${from}>${to}`, `${file} → ${target}`);
    }
  }
  const findings: Finding[] = [];
  for (const [key, evidence] of edges) {
    const [from, to] = key.split('>') as [string, string];
    const back = edges.get(`${to}>${from}`);
    if (back && from < to) findings.push({ file: `server/modules/${from}`, rule: 'two-way-modules', detail: `${from} et ${to} s’importent l’un l’autre (${evidence} ; ${back})` });
  }
  return findings;
}

export function checkStructure(
  root: string,
  pending: ReadonlySet<string> = PENDING,
  pendingSize: ReadonlySet<string> = PENDING_SIZE,
  pendingErrors: ReadonlySet<string> = PENDING_ERRORS,
): Finding[] {
  const findings: Finding[] = [];
  const files = ['server', 'db', 'scripts', 'templates'].flatMap((dir) => {
    try {
      return sourceFiles(join(root, dir));
    } catch {
      return [];
    }
  });
  for (const path of files) {
    const file = relative(root, path).split('\\').join('/');
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const tooLong = lines > MAX_LINES && !SIZE_REASON.test(text.split('\n').slice(0, 20).join('\n'));
    if (tooLong && !pendingSize.has(file)) findings.push({ file, rule: 'file-too-long', detail: `${lines} lignes, sans « Over 400 lines: <raison> » en tête` });
    if (!tooLong && pendingSize.has(file)) findings.push({ file, rule: 'pending-file-is-short', detail: 'tient en 400 lignes : retirez-le de PENDING_SIZE' });
    if (file.startsWith('server/') && !ERROR_OWNERS.some((owner) => owner.test(file))) {
      const errors = inlineErrors(file, text);
      if (errors.length > 0 && !pendingErrors.has(file)) findings.push({ file, rule: 'inline-domain-error', detail: `erreur construite sur place (${errors.join(' ; ')}) : une fabrique dans <domaine>.errors.ts` });
      if (errors.length === 0 && pendingErrors.has(file)) findings.push({ file, rule: 'pending-file-is-clean', detail: 'ne construit plus d’erreur sur place : retirez-le de PENDING_ERRORS' });
    }
    if (file.startsWith('server/') && !file.startsWith('server/modules/booklets/') && STATUS_WRITE.test(text)) {
      findings.push({ file, rule: 'status-written-outside-booklets', detail: 'écrit le statut d’un pass ou d’un carnet : appelez une transition du module booklets' });
    }
    if (!file.startsWith('server/') || QUERY_OWNERS.some((owner) => owner.test(file))) continue;
    const uses = queryUses(file, text);
    if (uses.length > 0 && !pending.has(file)) findings.push({ file, rule: 'query-outside-repository', detail: uses.join(' ; ') });
    if (uses.length === 0 && pending.has(file)) findings.push({ file, rule: 'pending-file-is-clean', detail: 'ne contient plus de requête : retirez-le de PENDING' });
  }
  findings.push(...twoWayModules(files.map((path) => ({ file: relative(root, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }))));
  const seen = new Set(files.map((path) => relative(root, path).split('\\').join('/')));
  for (const file of [...pending, ...pendingSize, ...pendingErrors]) {
    if (!seen.has(file)) findings.push({ file, rule: 'pending-file-is-clean', detail: 'n’existe plus : retirez-le de la liste' });
  }
  return findings;
}

if (resolve(process.argv[1] ?? '') === resolve(import.meta.filename)) {
  const root = resolve(process.argv[2] ?? '.');
  const findings = checkStructure(root);
  for (const finding of findings) console.error(`${finding.file}: ${finding.rule} — ${finding.detail}`);
  if (findings.length > 0) {
    console.error(`${findings.length} écart(s) à la structure (scripts/check-structure.ts).`);
    process.exit(1);
  }
  console.log(`Structure : requêtes dans les dépôts, fichiers de ${MAX_LINES} lignes au plus, erreurs par fabriques, modules dans un seul sens (encore ${PENDING.size} fichier(s) à déplacer, ${PENDING_SIZE.size} à découper, ${PENDING_ERRORS.size} aux erreurs sur place).`);
}
