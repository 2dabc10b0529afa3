import type { FastifyReply } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, matchesSearch, parseListQuery, readListPage, type ListQuery, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, type ListView } from '../../shared/list-view.ts';
import { MASKED_CELL_LABEL } from '../../shared/small-cells.ts';
import type { Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import { listDesignations } from './distribution.repository.ts';
import { suppressionThreshold } from './distribution-stats.repository.ts';

/*
 * The prescribers designated on an order, on its distribution page (issue 16). Each prescriber's
 * handed-out count is a count of beneficiaries: for a buyer it goes through small-cell suppression
 * over the order's whole table (`listDesignations`), so the list is read whole, then searched,
 * sorted and paged in memory. Narrowing first would suppress over a smaller table and let a search
 * for one prescriber show a count the whole table hides. An order has its few dozen prescribers.
 */

export type DesignationRow = ReturnType<typeof listDesignations>[number] & { prescriberCommuneName: string | null };

const STOCK_CHOICES = { avec: 'Qui détiennent des carnets', sans: 'Sans carnet en main' } as const;
type DesignationSort = 'nom' | 'detenus' | 'distribues';
type DesignationFilter = 'stock';

export const DESIGNATIONS_PREFIX = 'presc_';

export function designationListSpec(orderPath: string, siblings: readonly string[]): ListSpec<DesignationFilter, DesignationSort> {
  return {
    path: orderPath,
    exportPath: `${orderPath}/prescripteurs.csv`,
    prefix: DESIGNATIONS_PREFIX,
    siblings,
    anchor: 'prescripteurs',
    searchLabel: 'Rechercher un prescripteur désigné (nom, SIRET ou commune)',
    filters: { stock: { label: 'Carnets en main', allLabel: 'Tous les prescripteurs désignés', options: filterChoices(STOCK_CHOICES) } },
    sorts: { nom: 'Nom du prescripteur', detenus: 'Carnets détenus', distribues: 'Carnets distribués' },
    defaultSort: { key: 'nom', dir: 'asc' },
    labels: { sort: 'Trier les prescripteurs par', order: 'Ordre des prescripteurs', pagination: 'Pages des prescripteurs désignés' },
  };
}

/** Sort values: a masked count sorts as the lowest, all masked ones together, so the order tells nothing a cell hides. */
const SORT_VALUES: Record<DesignationSort, (d: DesignationRow) => string | number> = {
  nom: (d) => d.prescriberName,
  detenus: (d) => d.heldBooklets,
  distribues: (d) => d.distributedBooklets ?? -1,
};

function narrowed(rows: DesignationRow[], query: ListQuery<DesignationFilter, DesignationSort>): DesignationRow[] {
  const stock = query.filters.stock as keyof typeof STOCK_CHOICES | undefined;
  const value = SORT_VALUES[query.sort.key];
  const sign = query.sort.dir === 'asc' ? 1 : -1;
  const byName = (a: DesignationRow, b: DesignationRow) => a.prescriberName.localeCompare(b.prescriberName, 'fr') || a.prescriberId.localeCompare(b.prescriberId);
  return rows
    .filter((d) => matchesSearch(query.q, [d.prescriberName, d.prescriberSiret, d.prescriberCommuneName, d.prescriberCommuneCode]))
    .filter((d) => (stock === 'avec' ? d.heldBooklets > 0 : stock === 'sans' ? d.heldBooklets === 0 : true))
    .sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const compared = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'fr');
      return sign * (compared || byName(a, b));
    });
}

const DESIGNATION_CSV_COLUMNS: CsvColumn<DesignationRow>[] = [
  { header: 'Prescripteur', value: (d) => d.prescriberName },
  { header: 'SIRET', value: (d) => codeCell(d.prescriberSiret) },
  { header: 'Commune', value: (d) => d.prescriberCommuneName },
  { header: 'Code INSEE', value: (d) => codeCell(d.prescriberCommuneCode) },
  { header: 'Désigné le', value: (d) => dateCell(d.designatedAt) },
  { header: 'Carnets détenus', value: (d) => d.heldBooklets },
  { header: 'Carnets distribués', value: (d) => d.distributedBooklets ?? MASKED_CELL_LABEL },
];

function readDesignations(db: DbOrTx, actor: Actor, orderPath: string, orderId: string, rawQuery: unknown, siblings: readonly string[]) {
  const spec = designationListSpec(orderPath, siblings);
  const query = parseListQuery(spec, rawQuery);
  const territories = getTerritories();
  const rows = listDesignations(db, orderId, suppressionThreshold(actor)).map((d) => ({
    ...d,
    prescriberCommuneName: d.prescriberCommuneCode ? (territories.commune(d.prescriberCommuneCode)?.name ?? null) : null,
  }));
  const matching = narrowed(rows, query);
  return { spec, query, rows, matching, read: (window: ListWindow) => matching.slice(window.offset, window.offset + window.limit) };
}

/** One page of an order's designated prescribers, with its list view; `all` is every live designation (the forms offer them). */
export function designationsPage(db: DbOrTx, actor: Actor, order: { id: string; path: string }, rawQuery: unknown, siblings: readonly string[]) {
  const { spec, query, rows, matching, read } = readDesignations(db, actor, order.path, order.id, rawQuery, siblings);
  const result = readListPage(query, () => matching.length, read);
  const list: ListView = buildListView(spec, query, result);
  return { items: result.items, list, all: rows };
}

/** Every designated prescriber matching the search, as a CSV (the counts masked as on the page). */
export function replyDesignationsCsv(db: DbOrTx, actor: Actor, order: { id: string; path: string }, rawQuery: unknown, reply: FastifyReply) {
  const { read } = readDesignations(db, actor, order.path, order.id, rawQuery, []);
  return sendAllPagesCsv(reply, 'prescripteurs-designes.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), DESIGNATION_CSV_COLUMNS);
}
