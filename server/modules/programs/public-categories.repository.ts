import { and, asc, eq, inArray, max } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { publicCategories } from '../../../db/schema/programs.ts';
import type { ListWindow, SortDirection } from '../../shared/list-query.ts';
import { countMatching, ignoringCase, orderByFor, readWindow, searchCondition } from '../../shared/list-sql.repository.ts';
import type { PublicCategoryView } from './public-categories.schemas.ts';

export type PublicCategoryRow = typeof publicCategories.$inferSelect;

// The category list is national reference data shared by every organisation: no actor scope on reads.

export function listPublicCategories(db: DbOrTx, { includeInactive = false }: { includeInactive?: boolean } = {}): PublicCategoryView[] {
  return db
    .select()
    .from(publicCategories)
    .where(includeInactive ? undefined : eq(publicCategories.active, true))
    .orderBy(asc(publicCategories.sortOrder), asc(publicCategories.code))
    .all();
}

export function findPublicCategory(db: DbOrTx, code: string): PublicCategoryRow | undefined {
  return db.select().from(publicCategories).where(eq(publicCategories.code, code)).get();
}

/** Which of `codes` name an active category (an order may use only those). */
export function activePublicCategoryCodes(db: DbOrTx, codes: readonly string[]): Set<string> {
  if (codes.length === 0) return new Set();
  return new Set(
    db
      .select({ code: publicCategories.code })
      .from(publicCategories)
      .where(and(inArray(publicCategories.code, [...new Set(codes)]), eq(publicCategories.active, true)))
      .all()
      .map((r) => r.code),
  );
}

/** The largest sort order in use, 0 when there is no category: a new one goes after it. */
export function lastSortOrder(db: DbOrTx): number {
  return db.select({ last: max(publicCategories.sortOrder) }).from(publicCategories).get()?.last ?? 0;
}

/** False when the code is already taken (the insert did nothing). */
export function insertPublicCategory(db: DbOrTx, row: PublicCategoryRow): boolean {
  return db.insert(publicCategories).values(row).onConflictDoNothing().run().changes === 1;
}

/** False when no category has that code. */
export function updatePublicCategoryRow(db: DbOrTx, code: string, changes: Partial<PublicCategoryRow>): boolean {
  return db.update(publicCategories).set(changes).where(eq(publicCategories.code, code)).run().changes === 1;
}

/** The /publics list (issue 16): search, filters, sort and pages over the public categories. */
export const PUBLIC_CATEGORY_SORTS = {
  // The order the categories are offered in on the order form.
  ordre: publicCategories.sortOrder,
  libelle: ignoringCase(publicCategories.label),
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

const matchingCategories = (db: DbOrTx, criteria: PublicCategoryCriteria) => db.select().from(publicCategories).where(categoryWhere(criteria)).$dynamic();

export function countPublicCategorySearch(db: DbOrTx, criteria: PublicCategoryCriteria): number {
  return countMatching(db, matchingCategories(db, criteria));
}

export function searchPublicCategories(db: DbOrTx, criteria: PublicCategoryCriteria, sort: { key: PublicCategorySort; dir: SortDirection }, window: ListWindow) {
  return readWindow(matchingCategories(db, criteria), orderByFor(PUBLIC_CATEGORY_SORTS, sort, publicCategories.code), window);
}
