import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate, parisMonth } from '../../shared/paris-time.ts';
import { SMALL_CELL_THRESHOLD } from '../../shared/small-cells.ts';
import { publishedCell, publishFromHistory } from '../../shared/publication-history.ts';
import type { PublishedSeries } from '../../../db/schema/published-statistics.ts';
import * as history from './published-statistics.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import * as repo from './public-stats.repository.ts';
import { monthLabel, monthsBetween } from './usage.facts.ts';

export const METHODOLOGY = [
  'Chiffres des mois terminés (heure de Paris), tirés des écritures du service : le mois en cours n’est publié qu’une fois clos.',
  'Pass achetés : pass des commandes approuvées, au département du commanditaire et au mois de l’approbation. Pass distribués : pass des carnets remis, au département de résidence du bénéficiaire. Pass utilisés : encaissements non annulés, au département du lieu d’accueil. Montant remboursé : virements payés aux lieux, au mois des encaissements remboursés. Lieux labellisés : lieux ayant au moins un lieu d’accueil actif dans le département, aujourd’hui.',
  'Les effectifs de personnes (pass distribués et utilisés) inférieurs à 5 sont masqués (« secret statistique »), zéros compris, ainsi que d’autres cases, parfois grandes, choisies pour qu’aucune case masquée ne se déduise des totaux nationaux du mois. Les montants, les achats des commanditaires et les lieux ne désignent personne et ne sont pas masqués.',
  'Chaque mois est publié une fois, le premier jour où il est consulté après sa clôture, puis conservé tel quel : les exports suivants redonnent exactement les mêmes cases masquées et les mêmes valeurs. Comparer deux exports, d’un jour à l’autre, n’apprend donc rien de plus qu’un seul : une case masquée ne peut pas réapparaître, et un total ne peut pas bouger de quelques unités pour trahir une case masquée. En contrepartie, une correction tardive (annulation d’un encaissement, remise saisie après la clôture) n’est pas reportée dans les effectifs d’un mois déjà publié ; les achats et les montants remboursés, qui ne sont pas masqués, restent à jour.',
];

/** The cell of counts outside every listed département (never a row of its own). */
const ELSEWHERE = '';

export interface PublicStatisticsRow {
  departement: string;
  departementName: string;
  month: string;
  monthLabel: string;
  bought: number;
  distributed: number | null;
  used: number | null;
  usedCents: number | null;
  reimbursedCents: number;
  masked: boolean;
}

const departementOf = (communeCode: string | null): string | null => {
  if (!communeCode) return null;
  const territories = getTerritories();
  const commune = territories.commune(communeCode);
  const parent = commune?.parent ? territories.commune(commune.parent) : undefined;
  return (parent ?? commune)?.departement ?? null;
};

/**
 * Open statistics by département and month. Rows run over the départements with a labelled place
 * or a buyer (a list that does not depend on the masked counts) and the closed months since the first
 * order; distributed and used are masked month by month across départements (the national monthly
 * totals are public), each month once, when first published, and kept in `published_statistics`.
 * One transaction: a month is stored before any export gives it.
 */
export function publicStatistics(deps: { db: DbOrTx; clock: Clock }) {
  return deps.db.transaction((tx) => statisticsIn(tx, deps.clock));
}

function statisticsIn(db: DbOrTx, clock: Clock) {
  const now = clock.now();
  const untilMonth = parisMonth(now);
  const territories = getTerritories();
  const bought = repo.boughtByMonth(db).map((b) => ({ dep: departementOf(b.communeCode), month: parisDate(new Date(b.approvedAt)).slice(0, 7), n: b.n }));
  const grid = (rows: { communeCode: string | null; month: string; n: number; cents: number }[]) => {
    const map = new Map<string, { n: number; cents: number }>();
    for (const r of rows) {
      const key = `${departementOf(r.communeCode)}|${r.month}`;
      const cell = map.get(key) ?? { n: 0, cents: 0 };
      cell.n += r.n;
      cell.cents += r.cents;
      map.set(key, cell);
    }
    return map;
  };
  const distributed = grid(repo.distributedByMonth(db, untilMonth));
  const used = grid(repo.usedByMonth(db, untilMonth));
  const reimbursed = grid(repo.reimbursedByMonth(db, untilMonth));
  const places = new Map<string, Set<string>>();
  for (const s of repo.labelledPlaceSites(db)) {
    const dep = departementOf(s.communeCode);
    if (dep) places.set(dep, (places.get(dep) ?? new Set()).add(s.placeId));
  }

  const departements = [...new Set([...places.keys(), ...bought.map((b) => b.dep).filter((d): d is string => d !== null)])].sort();
  const firstMonth = bought.reduce((min, b) => (b.month < min ? b.month : min), untilMonth);
  const months = monthsBetween(firstMonth, untilMonth).filter((m) => m < untilMonth);
  const boughtCells = new Map<string, number>();
  for (const b of bought) boughtCells.set(`${b.dep}|${b.month}`, (boughtCells.get(`${b.dep}|${b.month}`) ?? 0) + b.n);

  // Each closed month of each masked series is published once and then given back from the
  // history (server/shared/publication-history.ts): two exports never differ on a month they both give.
  const publishedAt = now.toISOString();
  const series = (name: PublishedSeries, map: Map<string, { n: number; cents: number }>) => {
    const tables = months.map((m) => {
      const listed = new Set(departements.map((d) => `${d}|${m}`));
      // Counts outside the listed départements (a beneficiary elsewhere) are a cell of their own, never shown as a row.
      const elsewhere = [...map].filter(([k]) => k.endsWith(`|${m}`) && !listed.has(k));
      return {
        period: m,
        cells: [
          ...departements.map((d) => ({ key: d, count: map.get(`${d}|${m}`)?.n ?? 0, cents: map.get(`${d}|${m}`)?.cents ?? 0 })),
          { key: ELSEWHERE, count: elsewhere.reduce((s, [, v]) => s + v.n, 0), cents: elsewhere.reduce((s, [, v]) => s + v.cents, 0) },
        ],
      };
    });
    const { periods, fresh } = publishFromHistory(tables, history.publishedSeries(db, name), publishedAt);
    history.storePublished(db, name, fresh);
    return new Map(periods.map((p) => [p.period, p]));
  };
  const publishedDistributed = series('distributed', distributed);
  const publishedUsed = series('used', used);

  const rows: PublicStatisticsRow[] = departements.flatMap((d) =>
    months.map((m) => {
      const key = `${d}|${m}`;
      const distributedCell = publishedCell(publishedDistributed.get(m)!, d);
      const usedCell = publishedCell(publishedUsed.get(m)!, d);
      return {
        departement: d,
        departementName: territories.departement(d)?.name ?? d,
        month: m,
        monthLabel: monthLabel(m),
        bought: boughtCells.get(key) ?? 0,
        distributed: distributedCell?.count ?? null,
        used: usedCell?.count ?? null,
        // The value used is given in the département's row only when its count is: else the count would follow from it.
        usedCents: usedCell?.cents ?? null,
        reimbursedCents: reimbursed.get(key)?.cents ?? 0,
        masked: distributedCell === null || usedCell === null,
      };
    }),
  );
  // National totals per month are the published ones, exact (the ledger's on the day the month was
  // first published); purchases and reimbursements designate nobody and stay live.
  const national = months.map((m) => {
    const sum = (map: Map<string, { n: number; cents: number }>, field: 'n' | 'cents') =>
      [...map].filter(([k]) => k.endsWith(`|${m}`)).reduce((s, [, v]) => s + v[field], 0);
    return {
      month: m,
      monthLabel: monthLabel(m),
      bought: bought.filter((b) => b.month === m).reduce((s, b) => s + b.n, 0),
      distributed: publishedDistributed.get(m)!.total,
      used: publishedUsed.get(m)!.total,
      usedCents: publishedUsed.get(m)!.totalCents,
      reimbursedCents: sum(reimbursed, 'cents'),
    };
  });
  return {
    generatedAt: now.toISOString(),
    lastMonth: months.at(-1) ?? null,
    smallCellThreshold: SMALL_CELL_THRESHOLD,
    methodology: METHODOLOGY,
    labelledPlaces: departements.map((d) => ({ departement: d, departementName: territories.departement(d)?.name ?? d, count: places.get(d)?.size ?? 0 })),
    national,
    rows,
  };
}
export type PublicStatistics = ReturnType<typeof statisticsIn>;
