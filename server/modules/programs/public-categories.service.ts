import type { Db } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Actor } from '../identity/actor.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { publicCategoryExists, publicCategoryNotFound } from './programs.errors.ts';
import { findPublicCategory, insertPublicCategory, lastSortOrder, updatePublicCategoryRow, type PublicCategoryRow } from './public-categories.repository.ts';
import type { CreatePublicCategoryInput, UpdatePublicCategoryInput } from './public-categories.schemas.ts';

export { findPublicCategory, listPublicCategories, type PublicCategoryRow } from './public-categories.repository.ts';

interface Deps {
  db: Db;
  clock: Clock;
}

export function createPublicCategory({ db, clock, actor, input }: Deps & { actor: Actor; input: CreatePublicCategoryInput }): PublicCategoryRow {
  return db.transaction(
    (tx) => {
      // A category without a given place goes last, ten after the last one (room to slot others between).
      const sortOrder = input.sortOrder ?? lastSortOrder(tx) + 10;
      const row: PublicCategoryRow = { code: input.code, label: input.label, priority: input.priority, active: true, sortOrder };
      if (!insertPublicCategory(tx, row)) throw publicCategoryExists(input.code);
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
      if (!updatePublicCategoryRow(tx, code, changes)) throw publicCategoryNotFound(code);
      recordAudit(tx, clock, actor, 'public_category.updated', { type: 'public_category', id: code }, { changes });
      return findPublicCategory(tx, code)!;
    },
    { behavior: 'immediate' },
  );
}
