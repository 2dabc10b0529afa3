/**
 * The /publics list (issue 16): search, filters, sort and pages over the public categories. National
 * reference data shared by every organisation: no organisation scope on reads.
 */
import { and, count, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { publicCategories } from '../../../db/schema/programs.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { orderByFor, searchCondition } from '../../shared/list-sql.repository.ts';

export const PUBLIC_CATEGORY_SORTS = {
  // The order the categories are offered in on the order form.
  ordre: publicCategories.sortOrder,
  libelle: sql`${publicCategories.label} COLLATE NOCASE`,
  code: publicCategories.code,
} as const;
export type PublicCategorySort = keyof typeof PUBLIC_CATEGORY_SORTS;

export interface PublicCategoryCriteria {
  q: string;
  active?: boolean;
  priority?: boolean;
}

function categoryWhere(criteria: PublicCategoryCriteria) {
  return and(
    searchCondition(criteria.q, [publicCategories.label, publicCategories.code]),
    criteria.active === undefined ? undefined : eq(publicCategories.active, criteria.active),
    criteria.priority === undefined ? undefined : eq(publicCategories.priority, criteria.priority),
  );
}

export function countPublicCategorySearch(db: DbOrTx, criteria: PublicCategoryCriteria): number {
  return db.select({ n: count() }).from(publicCategories).where(categoryWhere(criteria)).get()?.n ?? 0;
}

export function searchPublicCategories(db: DbOrTx, criteria: PublicCategoryCriteria, sort: { key: PublicCategorySort; dir: SortDirection }, window: ListWindow) {
  return db
    .select()
    .from(publicCategories)
    .where(categoryWhere(criteria))
    .orderBy(orderByFor(PUBLIC_CATEGORY_SORTS, sort, publicCategories.code))
    .limit(window.limit)
    .offset(window.offset)
    .all();
}
