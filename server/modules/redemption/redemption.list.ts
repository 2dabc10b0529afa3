import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell, euroCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { frenchMonth, parisMonth } from '../../shared/paris-time.ts';
import type { Actor } from '../identity/actor.ts';
import { sitesOf } from '../places/places.repository.ts';
import { countPlaceRedemptions, monthTotals, searchPlaceRedemptionRows, type RedemptionCriteria, type RedemptionSort } from './redemption.repository.ts';
import { toView } from './redemption.service.ts';
import type { RedemptionView } from './redemption.schemas.ts';

const STATUS_LABELS = { live: 'Encaissé', cancelled: 'Annulé' } as const;

export const PLACE_REDEMPTION_LIST: ListSpec<'mois' | 'statut' | 'site', RedemptionSort> = {
  path: '/mon-lieu/encaissements',
  searchLabel: 'Rechercher un pass (fin du code), un service ou un lieu d’accueil',
  filters: {
    // No « every month »: the page is the month's, as its totals and the month's batch are.
    mois: monthFilter('Mois', ''),
    statut: { label: 'Statut', allLabel: 'Encaissés et annulés', options: filterChoices(STATUS_LABELS) },
    site: { label: 'Lieu d’accueil', allLabel: 'Tous les lieux d’accueil', pattern: /^[\w-]{1,64}$/ },
  },
  sorts: { date: 'Date', montant: 'Montant', site: 'Lieu d’accueil' },
  defaultSort: { key: 'date', dir: 'desc' },
};

const CSV_COLUMNS: CsvColumn<RedemptionView>[] = [
  { header: 'Date', value: (r) => dateCell(r.redeemedAt) },
  { header: 'Pass', value: (r) => r.code },
  { header: 'Montant (€)', value: (r) => euroCell(r.amountCents) },
  { header: 'Lieu d’accueil', value: (r) => r.siteName },
  { header: 'Service', value: (r) => r.service },
  { header: 'Statut', value: (r) => STATUS_LABELS[r.status as keyof typeof STATUS_LABELS] ?? r.status },
  { header: 'Annulé le', value: (r) => dateCell(r.cancelledAt) },
];

/** The place's redemptions of a month: search, status and site filters, sort, numbered pages, the month's whole CSV. */
export function replyPlaceRedemptionList(deps: { db: DbOrTx; clock: Clock }, actor: Actor, request: FastifyRequest, reply: FastifyReply) {
  const query = parseListQuery(PLACE_REDEMPTION_LIST, request.query);
  const thisMonth = parisMonth(deps.clock.now());
  const period = query.filters.mois && query.filters.mois <= thisMonth ? query.filters.mois : thisMonth;
  query.filters.mois = period;
  const criteria: RedemptionCriteria = { period, q: query.q, status: query.filters.statut as RedemptionCriteria['status'], siteId: query.filters.site };
  const now = deps.clock.now();
  const read = (window: ListWindow) =>
    searchPlaceRedemptionRows(deps.db, actor, criteria, query.sort, window).map((row) => toView(row.r, row.code, row.siteName, row.placeName, now));
  if (wantsCsv(request)) return sendAllPagesCsv(reply, `encaissements-${period}.csv`, offsetPageReader(read, EXPORT_PAGE_SIZE), CSV_COLUMNS);
  const result = readListPage(query, () => countPlaceRedemptions(deps.db, actor, criteria), read);
  const [y, m] = period.split('-').map(Number) as [number, number];
  const shift = (delta: number) => {
    const d = new Date(Date.UTC(y, m - 1 + delta, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const months = recentMonthOptions(deps.clock.now());
  return reply.renderPage('pages/redemption/month.eta', {
    title: 'Encaissements du mois',
    period,
    periodLabel: frenchMonth(period),
    previous: shift(-1),
    next: shift(1) <= thisMonth ? shift(1) : null,
    items: result.items,
    totals: monthTotals(deps.db, actor.organisationId, period),
    list: buildListView(PLACE_REDEMPTION_LIST, query, result, {
      mois: months.some((o) => o.value === period) ? months : [{ value: period, label: frenchMonth(period) }, ...months],
      site: sitesOf(deps.db, actor.organisationId).map((s) => ({ value: s.id, label: s.name })),
    }),
    success: (request.query as { message?: string }).message === 'annule' ? 'Encaissement annulé : le pass est de nouveau utilisable.' : undefined,
  });
}
