import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { cofinancingPrograms } from '../../../db/schema/programs.ts';
import { accountTypeOf } from './ledger.rules.ts';

/**
 * The names people read for ledger accounts (issue 16, "names, never codes"). An account is named
 * when first used, and buyer and programme accounts were named after their ids
 * ("Créance commanditaire 9f3a…"): such a name has its id replaced by today's name of the
 * organisation or programme, through the chart's own wording. Names callers gave (place accounts
 * carry the place's) and ids that name nothing known are kept as stored.
 */
export function humanAccountNames<T extends { code: string; name: string }>(db: DbOrTx, accounts: readonly T[]): Map<string, string> {
  const parsed = accounts.map((a) => ({ account: a, kind: a.code.split(':')[0], typed: accountTypeOf(a.code) }));
  const idsOf = (kind: string) => [...new Set(parsed.filter((p) => p.kind === kind && p.typed?.id).map((p) => p.typed!.id))];
  const buyerIds = idsOf('buyer');
  const programIds = idsOf('program');
  const names = new Map<string, string>();
  if (buyerIds.length > 0) {
    for (const o of db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, buyerIds)).all()) names.set(`buyer:${o.id}`, o.name);
  }
  if (programIds.length > 0) {
    for (const p of db.select({ id: cofinancingPrograms.id, name: cofinancingPrograms.name }).from(cofinancingPrograms).where(inArray(cofinancingPrograms.id, programIds)).all()) {
      names.set(`program:${p.id}`, p.name);
    }
  }
  const result = new Map<string, string>();
  for (const { account, kind, typed } of parsed) {
    // Only a name made from the id is replaced: a caller's own name ("Créance Département …") stays.
    const namedAfterId = typed !== undefined && account.name === typed.type.name(typed.id);
    const named = namedAfterId ? names.get(`${kind}:${typed.id}`) : undefined;
    result.set(account.code, named ? typed!.type.name(named) : account.name);
  }
  return result;
}
