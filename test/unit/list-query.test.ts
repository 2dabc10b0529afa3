import t from 'tap';
import { filterChoices, matchesSearch, monthFilter, parseListQuery, likePattern, readListPage, type ListSpec } from '../../server/shared/list-query.ts';
import { buildListView, offsetPageReader, pageNumbersFor } from '../../server/shared/list-view.ts';
import { dateCell } from '../../server/shared/csv.ts';

const spec: ListSpec<'statut' | 'mois', 'date' | 'nom'> = {
  path: '/liste',
  searchLabel: 'Rechercher',
  filters: {
    statut: { label: 'Statut', allLabel: 'Tous', options: [{ value: 'ok', label: 'Bon' }] },
    mois: { label: 'Mois', allLabel: 'Tous', pattern: /^\d{4}-\d{2}$/ },
  },
  sorts: { date: 'Date', nom: 'Nom' },
  defaultSort: { key: 'date', dir: 'desc' },
};

t.test('a list address is read with defaults for every bad value, never an error', async (t) => {
  t.same(parseListQuery(spec, {}), { q: '', filters: {}, sort: { key: 'date', dir: 'desc' }, page: 1, pageSize: 50 });
  t.same(parseListQuery(spec, { q: '  CMD-1 ', statut: 'ok', mois: '2026-11', tri: 'nom', page: '3', par_page: '20' }), {
    q: 'CMD-1',
    filters: { statut: 'ok', mois: '2026-11' },
    sort: { key: 'nom', dir: 'asc' },
    page: 3,
    pageSize: 20,
  });
  const bad = parseListQuery(spec, { q: 'x'.repeat(101), statut: 'zzz', mois: 'novembre', tri: 'constructor', ordre: 'haut', page: '-2', par_page: '1000' });
  t.same(bad, { q: '', filters: {}, sort: { key: 'date', dir: 'desc' }, page: 1, pageSize: 50 }, 'an unknown sort (even an Object key) falls back');
  t.same(parseListQuery(spec, { q: ['a', 'b'], page: ['2', '3'] }).page, 2, 'a repeated parameter counts once');
});

t.test('page numbers: first, last, the neighbours of the current one, an ellipsis for the rest', async (t) => {
  t.same(pageNumbersFor(1, 1), [1]);
  t.same(pageNumbersFor(1, 2), [1, 2]);
  t.same(pageNumbersFor(1, 12), [1, 2, 'ellipsis', 12]);
  t.same(pageNumbersFor(6, 12), [1, 'ellipsis', 5, 6, 7, 'ellipsis', 12]);
  t.same(pageNumbersFor(3, 12), [1, 2, 3, 4, 'ellipsis', 12], 'no ellipsis for one hidden page: the number itself');
  t.same(pageNumbersFor(12, 12), [1, 'ellipsis', 11, 12]);
});

t.test('the list view keeps the other parameters in every link and agrees in number', async (t) => {
  const query = parseListQuery(spec, { q: 'été', statut: 'ok', tri: 'nom', ordre: 'asc', page: '2' });
  const view = buildListView(spec, query, { total: 120, page: 2 });
  t.equal(view.resultsText, '120 résultats');
  t.equal(view.exportLabel, 'Exporter en CSV (120 lignes)');
  t.equal(view.exportHref, '/liste?q=%C3%A9t%C3%A9&statut=ok&tri=nom&ordre=asc&format=csv', 'the export keeps search, filter and sort, not the page');
  t.same(view.sort('nom'), { href: '/liste?q=%C3%A9t%C3%A9&statut=ok&tri=nom&ordre=desc', ariaSort: 'ascending' });
  t.same(view.sort('date').ariaSort, 'none');
  t.equal(view.pagination?.previous, '/liste?q=%C3%A9t%C3%A9&statut=ok&tri=nom&ordre=asc');
  t.same(view.pagination?.pages.filter((p) => p.kind === 'page' && p.current).length, 1);
  t.equal(buildListView(spec, parseListQuery(spec, {}), { total: 1, page: 1 }).resultsText, '1 résultat');
  t.equal(buildListView(spec, parseListQuery(spec, {}), { total: 1, page: 1 }).exportLabel, 'Exporter en CSV (1 ligne)');
  t.equal(buildListView(spec, parseListQuery(spec, {}), { total: 0, page: 1 }).resultsText, 'Aucun résultat');
  t.equal(buildListView(spec, parseListQuery(spec, {}), { total: 50, page: 1 }).pagination, null, 'one page: no pagination');
});

t.test('reading a page past the end shows the last page; an export reads chunk after chunk to the end', async (t) => {
  const rows = Array.from({ length: 1203 }, (_, i) => i);
  const page = readListPage({ page: 99, pageSize: 50 }, () => rows.length, (w) => rows.slice(w.offset, w.offset + w.limit));
  t.equal(page.page, 25);
  t.same(page.items, rows.slice(1200));
  const reader = offsetPageReader((w) => rows.slice(w.offset, w.offset + w.limit), 500);
  const read: number[] = [];
  let cursor: string | undefined;
  do {
    const chunk = reader(cursor);
    read.push(...chunk.items);
    cursor = chunk.nextCursor ?? undefined;
  } while (cursor);
  t.same(read, rows, 'every row once, in order');
  t.equal(likePattern('100%_a\\'), '%100\\%\\_a\\\\%', 'what a person types matches itself');
});

t.test('one date format in exports: AAAA-MM-JJ, and Paris date and time for instants', async (t) => {
  t.equal(dateCell('2026-11-25'), '2026-11-25');
  t.equal(dateCell('2026-11-25T10:00:00.000Z'), '2026-11-25 11:00');
  t.equal(dateCell('2026-07-01T22:30:00.000Z'), '2026-07-02 00:30', 'summer time, the Paris day');
  t.equal(dateCell(null), null);
});

t.test('fixed choices come from their labels, in the order written', async (t) => {
  t.same(filterChoices({ pending: 'En attente', validated: 'Validé', missing: 'Aucun' }), [
    { value: 'pending', label: 'En attente' },
    { value: 'validated', label: 'Validé' },
    { value: 'missing', label: 'Aucun' },
  ]);
});

t.test('a month filter keeps a month of the calendar and drops anything else', async (t) => {
  const months: ListSpec<'mois', 'date'> = { path: '/mois', searchLabel: '', filters: { mois: monthFilter('Mois') }, sorts: { date: 'Date' }, defaultSort: { key: 'date', dir: 'desc' } };
  t.equal(parseListQuery(months, { mois: '2026-11' }).filters.mois, '2026-11');
  t.equal(parseListQuery(months, { mois: '2026-13' }).filters.mois, undefined);
  t.equal(months.filters.mois.allLabel, 'Tous les mois');
});

t.test('two lists on one page: each reads its own prefixed parameters, and every link of one keeps the other’s', async (t) => {
  const movements: ListSpec<'type', 'date'> = {
    path: '/commande',
    exportPath: '/commande/mouvements.csv',
    prefix: 'mvt_',
    siblings: ['presc_'],
    anchor: 'mouvements',
    searchLabel: 'Rechercher un mouvement',
    filters: { type: { label: 'Type', allLabel: 'Tous', options: [{ value: 'block', label: 'Bloqué' }] } },
    sorts: { date: 'Date' },
    defaultSort: { key: 'date', dir: 'desc' },
    labels: { sort: 'Trier les mouvements par', pagination: 'Pages des mouvements' },
  };
  const raw = { q: 'ignoré', page: '9', mvt_q: 'CD31', mvt_type: 'block', mvt_page: '2', presc_q: 'mission', presc_page: '3', message: 'confie', presc_long: 'x'.repeat(101) };
  const query = parseListQuery(movements, raw);
  t.same(
    { q: query.q, filters: query.filters, page: query.page, kept: query.kept },
    { q: 'CD31', filters: { type: 'block' }, page: 2, kept: [['presc_q', 'mission'], ['presc_page', '3']] },
    'its own parameters, the sibling’s kept as they are, nothing else (no message, no unbounded value)',
  );
  t.same(parseListQuery(spec, raw).q, 'ignoré', 'a list without a prefix reads the plain names, as before');
  t.notOk('kept' in parseListQuery(spec, raw), 'and keeps nothing');
  const view = buildListView(movements, query, { total: 120, page: 2 });
  t.equal(view.pagination?.next, '/commande?presc_q=mission&presc_page=3&mvt_q=CD31&mvt_type=block&mvt_page=3#mouvements', 'paging keeps the other list where it is');
  t.equal(view.pagination?.previous, '/commande?presc_q=mission&presc_page=3&mvt_q=CD31&mvt_type=block#mouvements');
  t.equal(view.sort('date').href, '/commande?presc_q=mission&presc_page=3&mvt_q=CD31&mvt_type=block&mvt_tri=date&mvt_ordre=asc#mouvements');
  t.equal(view.exportHref, '/commande/mouvements.csv?mvt_q=CD31&mvt_type=block', 'the export is this list’s alone');
  t.equal(view.resetHref, '/commande?presc_q=mission&presc_page=3#mouvements', 'resetting this list leaves the other');
  t.same(view.hidden, [{ name: 'presc_q', value: 'mission' }, { name: 'presc_page', value: '3' }], 'the search form carries the other list');
  t.same(view.filters.map((f) => f.name), ['mvt_type']);
  t.same([view.formAction, view.sortLabel, view.orderLabel, view.paginationLabel], ['/commande#mouvements', 'Trier les mouvements par', 'Ordre', 'Pages des mouvements']);
  const plain = buildListView(spec, parseListQuery(spec, { q: 'a', page: '2' }), { total: 120, page: 2 });
  t.same([plain.prefix, plain.formAction, plain.resetHref, plain.hidden, plain.sortLabel, plain.paginationLabel], ['', '/liste', '/liste', [], 'Trier par', 'Pagination'], 'one list on a page: unchanged');
});

t.test('a list held in memory searches like the SQL lists: every word in one of the texts, whatever its case', async (t) => {
  t.ok(matchesSearch('mission TOULOUSE', ['Mission locale', 'Toulouse']), 'words across texts');
  t.notOk(matchesSearch('mission rodez', ['Mission locale', 'Toulouse']), 'every word must be found');
  t.ok(matchesSearch('', ['x']), 'nothing typed matches everything');
  t.ok(matchesSearch('01234', [null, '01234567800015']), 'a SIRET by its start; empty texts ignored');
});
