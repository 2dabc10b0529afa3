import type { ChorusDocumentType } from '../../../db/schema/chorus-pro.ts';
import type { DbOrTx } from '../../../db/client.ts';
import { dateCell } from '../../shared/csv.ts';
import { filterChoices, type FilterOption, type FilterSpec } from '../../shared/list-query.ts';
import type { CsvColumn } from '../../shared/list-reply.ts';
import { CHORUS_STATUS_LABELS, type ChorusStatus } from './chorus-pro.ts';
import { CHORUS_FILTERS, chorusStatuses } from './chorus-pro.service.ts';
import type { ChorusDepositRow } from './chorus-pro.repository.ts';

/**
 * The Chorus Pro deposit as one more filter of the invoices and credit-notes lists (`depot`):
 * `a-deposer` keeps what is still to deposit, `deposes` what is deposited. The repositories apply
 * it in SQL, so the count, the pages and the CSV follow it.
 */
export const CHORUS_LIST_FILTER: FilterSpec = {
  label: 'Dépôt sur Chorus Pro',
  allLabel: 'Tous',
  options: filterChoices({ 'a-deposer': 'Pas encore déposés', deposes: 'Déposés' }),
};

/** The filter's choices with the number still to deposit beside « Pas encore déposés », as finance's work queue. */
export function chorusFilterOptions(pending: number): FilterOption[] {
  return filterChoices({ 'a-deposer': `Pas encore déposés (${pending})`, deposes: 'Déposés' });
}

export function chorusCriterion(value: string | undefined): 'pending' | 'deposited' | undefined {
  return value && Object.hasOwn(CHORUS_FILTERS, value) ? CHORUS_FILTERS[value as keyof typeof CHORUS_FILTERS] : undefined;
}

export interface WithChorus {
  chorus: { status: ChorusStatus; deposit: ChorusDepositRow | null };
}

/** A page of documents with their deposit status (one query for the page). */
export function withChorusStatuses<T extends { id: string; public: boolean }>(db: DbOrTx, type: ChorusDocumentType, rows: T[]): (T & WithChorus)[] {
  const statuses = chorusStatuses(db, type, rows);
  return rows.map((row) => ({ ...row, chorus: statuses.get(row.id)! }));
}

export const CHORUS_CSV_COLUMNS: CsvColumn<WithChorus>[] = [
  { header: 'Chorus Pro', value: (r) => CHORUS_STATUS_LABELS[r.chorus.status] },
  { header: 'Déposé sur Chorus Pro le', value: (r) => dateCell(r.chorus.deposit?.depositedOn ?? null) },
];
