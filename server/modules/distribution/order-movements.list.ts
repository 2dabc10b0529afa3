import type { FastifyReply } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { MovementKind } from '../../../db/schema/distribution.ts';
import type { Clock } from '../../shared/clock.ts';
import { codeCell, dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, MONTH_PATTERN, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { getTerritories } from '../territories/territories.ts';
import {
  beneficiaryCommunes,
  countMovementSearch,
  searchMovements,
  type MovementCriteria,
  type MovementListRow,
  type MovementSort,
} from './distribution.repository.ts';
import { BLOCK_REASON_LABELS, MOVEMENT_KIND_LABELS } from './distribution.schemas.ts';

/** A movement in a list; the operator also reads the commune a hand-out went to (null otherwise). */
export type MovementRow = MovementListRow & { beneficiaryCommuneCode: string | null; beneficiaryCommuneName: string | null };

export const MOVEMENTS_PREFIX = 'mvt_';

/** An order's movements on its distribution page (issue 16). The operator's search also looks at the beneficiary's commune. */
export function movementListSpec(orderPath: string, siblings: readonly string[], actor: Actor): ListSpec<'type' | 'mois', MovementSort> {
  return {
    path: orderPath,
    exportPath: `${orderPath}/mouvements.csv`,
    prefix: MOVEMENTS_PREFIX,
    siblings,
    anchor: 'mouvements',
    searchLabel: isOperator(actor)
      ? 'Rechercher un mouvement (numéro de carnet, prescripteur ou commune du bénéficiaire)'
      : 'Rechercher un mouvement (numéro de carnet ou prescripteur)',
    filters: {
      type: { label: 'Type de mouvement', allLabel: 'Tous les mouvements', options: filterChoices(MOVEMENT_KIND_LABELS) },
      mois: { label: 'Mois du mouvement', allLabel: 'Tous les mois', pattern: MONTH_PATTERN },
    },
    sorts: { date: 'Date', carnets: 'Nombre de carnets' },
    defaultSort: { key: 'date', dir: 'desc' },
    labels: { sort: 'Trier les mouvements par', order: 'Ordre des mouvements', pagination: 'Pages des mouvements' },
  };
}

/** The columns of every movements CSV (this list's, and the API's page); `beneficiary` adds the hand-out's commune. */
export function movementCsvColumns(beneficiary: boolean): CsvColumn<MovementListRow & Partial<MovementRow>>[] {
  return [
    { header: 'Date', value: (m) => dateCell(m.at) },
    { header: 'Mouvement', value: (m) => MOVEMENT_KIND_LABELS[m.kind] },
    { header: 'Commande', value: (m) => m.orderReference },
    { header: 'De', value: (m) => m.fromOrganisationName },
    { header: 'À', value: (m) => (m.kind === 'distribution' ? 'Bénéficiaire' : m.toOrganisationName) },
    ...(beneficiary
      ? [
          { header: 'Commune du bénéficiaire', value: (m: Partial<MovementRow>) => m.beneficiaryCommuneName ?? null },
          { header: 'Code INSEE du bénéficiaire', value: (m: Partial<MovementRow>) => codeCell(m.beneficiaryCommuneCode) },
        ]
      : []),
    { header: 'Carnets', value: (m) => m.bookletCount },
    { header: 'Numéros', value: (m) => m.serialsSummary },
    { header: 'Motif', value: (m) => (m.reason ? BLOCK_REASON_LABELS[m.reason] : null) },
    { header: 'Par', value: (m) => [m.actorName, m.actorOrganisationName].filter(Boolean).join(', ') },
  ];
}

function readMovements(db: DbOrTx, actor: Actor, order: { id: string; path: string }, rawQuery: unknown, siblings: readonly string[]) {
  const spec = movementListSpec(order.path, siblings, actor);
  const query = parseListQuery(spec, rawQuery);
  const territories = getTerritories();
  const operator = isOperator(actor);
  const criteria: MovementCriteria = {
    orderId: order.id,
    q: query.q,
    kind: query.filters.type as MovementKind | undefined,
    month: query.filters.mois,
    beneficiaryCommuneCodes: operator && query.q.length >= 2 ? territories.searchCommunes(query.q, 50).map((c) => c.code) : [],
  };
  const read = (window: ListWindow): MovementRow[] => {
    const rows = searchMovements(db, actor, criteria, query.sort, window);
    const communes = operator ? beneficiaryCommunes(db, rows.map((m) => m.id)) : new Map<number, string>();
    return rows.map((m) => {
      const code = communes.get(m.id) ?? null;
      return { ...m, beneficiaryCommuneCode: code, beneficiaryCommuneName: code ? (territories.commune(code)?.name ?? code) : null };
    });
  };
  return { spec, query, criteria, read };
}

/** One page of an order's movements with its list view. */
export function movementsPage(deps: { db: DbOrTx; clock: Clock }, actor: Actor, order: { id: string; path: string }, rawQuery: unknown, siblings: readonly string[]) {
  const { spec, query, criteria, read } = readMovements(deps.db, actor, order, rawQuery, siblings);
  const result = readListPage(query, () => countMovementSearch(deps.db, actor, criteria), read);
  return { items: result.items, list: buildListView(spec, query, result, { mois: recentMonthOptions(deps.clock.now()) }) };
}

/** Every movement of the order matching the search and filters, as a CSV. */
export function replyMovementsCsv(db: DbOrTx, actor: Actor, order: { id: string; path: string }, rawQuery: unknown, reply: FastifyReply) {
  const { read } = readMovements(db, actor, order, rawQuery, []);
  return sendAllPagesCsv(reply, 'mouvements-carnets.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), movementCsvColumns(isOperator(actor)));
}
