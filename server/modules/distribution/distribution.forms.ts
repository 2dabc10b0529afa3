/** What the distribution pages read from their forms, and the choices those forms offer. */
import type { DbOrTx } from '../../../db/client.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import * as repository from './distribution.repository.ts';

export const str = (body: Record<string, unknown>, key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');

/** The allot / return forms: a count or a list of serials and ranges, one per line. */
export function readSelection(body: Record<string, unknown>) {
  const count = str(body, 'bookletCount').trim();
  const serials = str(body, 'bookletSerials')
    .split(/[\r\n;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    values: { prescriberId: str(body, 'prescriberId'), bookletCount: count, bookletSerials: str(body, 'bookletSerials') },
    selection: {
      ...(count !== '' ? { bookletCount: /^\d+$/.test(count) ? Number(count) : Number.NaN } : {}),
      ...(serials.length > 0 ? { bookletSerials: serials } : {}),
    },
  };
}

/** Public categories a prescriber can choose: those of the orders it holds booklets of (all when one order admits everyone). */
export function publicChoices(db: DbOrTx, prescriberId: string) {
  const held = repository.listPrescriberOrders(db, prescriberId).filter((o) => o.held > 0);
  const all = listPublicCategories(db);
  const everyone = held.length === 0 || held.some((o) => o.order.publics === null);
  const allowed = new Set(held.flatMap((o) => o.order.publics ?? []));
  return {
    categories: everyone ? all : all.filter((c) => allowed.has(c.code)),
    held,
  };
}

