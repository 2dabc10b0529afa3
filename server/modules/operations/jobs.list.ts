import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../db/client.ts';
import type { JobStatus } from '../../../db/schema/jobs.ts';
import { dateCell } from '../../shared/csv.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec, type ListWindow } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import type { Actor } from '../identity/actor.ts';
import { JOB_LABELS } from '../jobs/jobs.pages.ts';
import { countJobSearch, searchJobs, type JobCriteria, type JobSort } from '../jobs/jobs.repository.ts';
import { percentDone } from '../jobs/jobs.schemas.ts';

export const JOB_STATUS_LABELS: Record<JobStatus, string> = { queued: 'En attente', running: 'En cours', done: 'Terminé', failed: 'Échoué' };

type JobListItem = ReturnType<typeof searchJobs>[number] & { label: string; percent: number };

export const JOB_LIST: ListSpec<'statut' | 'type', JobSort> = {
  path: '/exploitation/taches',
  // The jobs have nothing a person would type: filters only.
  searchLabel: '',
  filters: {
    statut: { label: 'Statut', allLabel: 'Tous les statuts', options: filterChoices(JOB_STATUS_LABELS) },
    type: { label: 'Travail', allLabel: 'Tous les travaux', options: filterChoices(JOB_LABELS) },
  },
  sorts: { date: 'Date de création', type: 'Travail', statut: 'Statut' },
  defaultSort: { key: 'date', dir: 'desc' },
};

export const JOB_CSV_COLUMNS: CsvColumn<JobListItem>[] = [
  { header: 'Travail', value: (j) => j.label },
  { header: 'Statut', value: (j) => JOB_STATUS_LABELS[j.status] },
  { header: 'Fait', value: (j) => j.progressDone },
  { header: 'À faire', value: (j) => j.progressTotal },
  { header: 'Essais', value: (j) => j.attempts },
  { header: 'Lancé par', value: (j) => j.startedByName ?? 'le service' },
  { header: 'Organisation', value: (j) => j.organisationName },
  { header: 'Créé le', value: (j) => dateCell(j.createdAt) },
  { header: 'Commencé le', value: (j) => dateCell(j.startedAt) },
  { header: 'Terminé le', value: (j) => dateCell(j.finishedAt) },
  { header: 'Erreur', value: (j) => j.error },
];

/**
 * The background jobs of /exploitation/taches: the operator's own and the service's, newest first,
 * filtered by status and kind, one page as HTML or with `format=csv` every matching job.
 */
export function replyJobList(db: DbOrTx, actor: Actor, request: FastifyRequest, reply: FastifyReply, page: Record<string, unknown>) {
  const query = parseListQuery(JOB_LIST, request.query);
  const criteria: JobCriteria = { organisationId: actor.organisationId, status: query.filters.statut as JobStatus | undefined, kind: query.filters.type };
  const read = (window: ListWindow): JobListItem[] =>
    searchJobs(db, criteria, query.sort, window).map((job) => ({ ...job, label: JOB_LABELS[job.kind] ?? job.kind, percent: percentDone(job) }));
  if (wantsCsv(request)) return sendAllPagesCsv(reply, 'travaux.csv', offsetPageReader(read, EXPORT_PAGE_SIZE), JOB_CSV_COLUMNS);
  const result = readListPage(query, () => countJobSearch(db, criteria), read);
  return reply.renderPage('pages/operations/tasks.eta', { ...page, jobs: result.items, jobStatusLabels: JOB_STATUS_LABELS, list: buildListView(JOB_LIST, query, result) });
}
