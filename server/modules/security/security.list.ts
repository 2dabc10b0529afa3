import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell } from '../../shared/csv.ts';
import type { Clock } from '../../shared/clock.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, monthFilter, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader, recentMonthOptions } from '../../shared/list-view.ts';
import { SECURITY_EVENT_LABELS, type SecurityEventKind } from './security-events.ts';
import { countSecurityEventSearch, searchSecurityEvents } from './security-events.repository.ts';

type Row = ReturnType<typeof searchSecurityEvents>[number];

const labelOf = (kind: string) => SECURITY_EVENT_LABELS[kind as SecurityEventKind] ?? kind;
const details = (data: Record<string, unknown> | null) => (data ? Object.entries(data).map(([k, v]) => `${k} : ${String(v)}`).join(', ') : '');

export const SECURITY_EVENT_LIST: ListSpec<'evenement' | 'mois', 'date'> = {
  path: '/securite/journal',
  searchLabel: 'Rechercher un compte (nom, adresse e-mail) ou une adresse IP',
  filters: {
    evenement: { label: 'Événement', allLabel: 'Tous les événements', options: filterChoices(SECURITY_EVENT_LABELS) },
    mois: monthFilter('Mois'),
  },
  sorts: { date: 'Date' },
  defaultSort: { key: 'date', dir: 'desc' },
};

const CSV_COLUMNS: CsvColumn<Row>[] = [
  { header: 'Date', value: (r) => dateCell(r.event.at) },
  { header: 'Événement', value: (r) => labelOf(r.event.kind) },
  { header: 'Compte', value: (r) => r.userName },
  { header: 'Adresse e-mail', value: (r) => r.userEmail },
  { header: 'Adresse IP', value: (r) => r.event.ip },
  { header: 'Détails', value: (r) => details(r.event.data) },
];

/** The security log (operator admins): search, event and month filters, numbered pages, whole CSV. */
export function replySecurityEventList(deps: { db: DbOrTx; clock: Clock }, request: FastifyRequest, reply: FastifyReply) {
  const query = parseListQuery(SECURITY_EVENT_LIST, request.query);
  const criteria = { q: query.q, kind: query.filters.evenement, month: query.filters.mois };
  const read = (window: ListWindow) => searchSecurityEvents(deps.db, criteria, query.sort, window);
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'journal-securite.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), CSV_COLUMNS);
  const result = readListPage(query, () => countSecurityEventSearch(deps.db, criteria), read);
  return reply.renderPage('pages/security/events.eta', {
    title: 'Journal de sécurité',
    events: result.items.map((r) => ({ ...r.event, label: labelOf(r.event.kind), userName: r.userName, userEmail: r.userEmail, details: details(r.event.data) })),
    list: buildListView(SECURITY_EVENT_LIST, query, result, { mois: recentMonthOptions(deps.clock.now()) }),
  });
}
