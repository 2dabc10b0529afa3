import { and, asc, eq, inArray, max } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { publicCategories } from '../../../db/schema/programs.ts';
import type { Clock } from '../../shared/clock.ts';
import { conflict, notFound } from '../../shared/problem.ts';
import type { Actor } from '../accounts/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { CreatePublicCategoryInput, PublicCategoryView, UpdatePublicCategoryInput } from './public-categories.schemas.ts';

export type PublicCategoryRow = typeof publicCategories.$inferSelect;

interface Deps {
  db: Db;
  clock: Clock;
}

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

/**
 * The codes among `codes` that an order may not use (unknown or deactivated), in the order given:
 * callers answer 400 naming them.
 */
export function unknownPublicCategoryCodes(db: DbOrTx, codes: readonly string[]): string[] {
  if (codes.length === 0) return [];
  const known = new Set(
    db
      .select({ code: publicCategories.code })
      .from(publicCategories)
      .where(and(inArray(publicCategories.code, [...new Set(codes)]), eq(publicCategories.active, true)))
      .all()
      .map((r) => r.code),
  );
  return codes.filter((c) => !known.has(c));
}

export function createPublicCategory({ db, clock, actor, input }: Deps & { actor: Actor; input: CreatePublicCategoryInput }): PublicCategoryRow {
  return db.transaction(
    (tx) => {
      const sortOrder = input.sortOrder ?? (tx.select({ last: max(publicCategories.sortOrder) }).from(publicCategories).get()?.last ?? 0) + 10;
      const row: PublicCategoryRow = { code: input.code, label: input.label, priority: input.priority, active: true, sortOrder };
      const inserted = tx.insert(publicCategories).values(row).onConflictDoNothing().run();
      if (inserted.changes !== 1) throw conflict('public_category_exists', `Le code « ${input.code} » est déjà utilisé par un autre public.`);
      recordAudit(tx, clock, actor, 'public_category.created', { type: 'public_category', id: row.code }, { label: row.label, priority: row.priority });
      return row;
    },
    { behavior: 'immediate' },
  );
}

export function updatePublicCategory({ db, clock, actor, code, input }: Deps & { actor: Actor; code: string; input: UpdatePublicCategoryInput }): PublicCategoryRow {
  return db.transaction(
    (tx) => {
      const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<PublicCategoryRow>;
      const updated = tx.update(publicCategories).set(changes).where(eq(publicCategories.code, code)).run();
      if (updated.changes !== 1) throw notFound('public_category_not_found', `Aucun public n’a le code « ${code} ».`);
      recordAudit(tx, clock, actor, 'public_category.updated', { type: 'public_category', id: code }, { changes });
      return findPublicCategory(tx, code)!;
    },
    { behavior: 'immediate' },
  );
}
