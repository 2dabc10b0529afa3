import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { countOf, plural } from '../../server/shared/plural.ts';

t.test('0 and 1 take the singular, 2 and more the plural (French rule)', async (t) => {
  t.equal(countOf(0, 'carnet'), '0 carnet');
  t.equal(countOf(1, 'carnet'), '1 carnet');
  t.equal(countOf(2, 'carnet'), '2 carnets');
  t.equal(countOf(-1, 'écriture'), '-1 écriture');
  t.equal(countOf(3n, 'lot'), '3 lots');
  t.equal(countOf(1234, 'carnet'), '1\u202f234 carnets', 'French digit grouping');
  t.equal(plural(1, 'bloqué'), 'bloqué');
  t.equal(plural(5, 'bloqué'), 'bloqués');
});

t.test('a word ending in s, x or z is invariable; other plurals are given', async (t) => {
  t.equal(countOf(10, 'pass'), '10 pass', 'never "passs"');
  t.equal(countOf(2, 'prix'), '2 prix');
  t.equal(countOf(2, 'lieu', 'lieux'), '2 lieux');
  t.equal(countOf(1, 'lieu', 'lieux'), '1 lieu');
  t.equal(countOf(2, 'carnet émis', 'carnets émis'), '2 carnets émis');
});

/**
 * Templates print counts through `it.h.count` / `it.h.plural` (server/shared/plural.ts). This scan
 * fails when a template writes one of these nouns straight after an output expression, a `${…}` or
 * a string concatenation, as "<%= n %> carnets" printed "1 carnets" for a one-booklet order.
 */
const COUNTED =
  'carnets?|lieux|lieu|commandes?|factures?|jours?|résultats?|remboursements?|prescripteurs?|utilisateurs?|organisations?|virements?|avoirs?|lots?|lignes?|pages?|essais?|écritures?|sites?|codes?|communes?|personnes?|bénéficiaires?|courriels?|relevés?|encaissements?|paiements?|mouvements?|fichiers?|documents?|erreurs?|distribués?|entamés?|bloqués?|confiés?|remis';
const PATTERNS = [
  // <%= expression %> noun
  new RegExp(`<%=\\s*((?:(?!%>)[\\s\\S])*?)\\s*%>\\s+(${COUNTED})(?![\\p{L}])`, 'gu'),
  // `${expression} noun` inside a template literal
  new RegExp(`\\$\\{([^}]*)\\}\\s+(${COUNTED})(?![\\p{L}])`, 'gu'),
  // expression + ' noun'
  new RegExp(`([\\w.)\\]]+)\\s*\\+\\s*['"\`]\\s+(${COUNTED})(?![\\p{L}])`, 'gu'),
];
/** Checked by hand: what precedes the noun is not a count. Key: file, then the text matched. */
const VERIFIED: Record<string, string[]> = {
  // "Carnet CMD-…-0001 remis": the serial, not a number.
  'templates/pages/distribution/distribute.eta': ['<%= it.done.serial %> remis'],
};

function etaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? etaFiles(path) : entry.name.endsWith('.eta') ? [path] : [];
  });
}

export function unagreedCounts(root: string): string[] {
  const found: string[] = [];
  for (const path of etaFiles(join(root, 'templates'))) {
    const file = relative(root, path);
    const text = readFileSync(path, 'utf8');
    for (const pattern of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        if (/\bh\.(count|plural)\(|\b(countOf|plural)\(/.test(match[1]!)) continue;
        if (VERIFIED[file]?.includes(match[0])) continue;
        const line = text.slice(0, match.index).split('\n').length;
        found.push(`${file}:${line}: ${match[0]}`);
      }
    }
  }
  return found;
}

t.test('every count printed by a template agrees with its noun', async (t) => {
  t.same(unagreedCounts(join(import.meta.dirname, '..', '..')), [], 'use it.h.count(n, singular, plural) or list a verified exception');
});

t.test('the scan finds a count printed straight before its noun', async (t) => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'plural-scan-'));
  mkdirSync(join(root, 'templates', 'pages'), { recursive: true });
  writeFileSync(
    join(root, 'templates', 'pages', 'order.eta'),
    [
      '<dd><%= it.order.bookletCount.toLocaleString(\'fr-FR\') %> carnets de 10 pass</dd>',
      '<p><%= `après ${m.attempts} essais` %></p>',
      "<% const label = 'PDF, ' + p.pageCount + ' pages A4'; %>",
      "<dd><%= it.h.count(it.order.bookletCount, 'carnet') %> de 10 pass</dd>",
      '<p><%= it.order.passesPerBooklet %> pass</p>',
    ].join('\n'),
  );
  t.same(
    unagreedCounts(root).map((f) => f.replace(/: .*/, '')),
    ['templates/pages/order.eta:1', 'templates/pages/order.eta:2', 'templates/pages/order.eta:3'],
    'the three unagreed counts, not the agreed one nor the invariable "pass"',
  );
});
