import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { parisDate, parisMonth } from '../../shared/paris-time.ts';
import { hiddenTableCells, SMALL_CELL_THRESHOLD } from '../../shared/small-cells.ts';
import { getTerritories } from '../territories/territories.ts';
import * as repo from './public-stats.repository.ts';
import { monthLabel, monthsBetween } from './usage.service.ts';

export const METHODOLOGY = [
  'Chiffres des mois terminés (heure de Paris), recalculés à chaque consultation à partir des écritures du service : le mois en cours n’est publié qu’une fois clos.',
  'Pass achetés : pass des commandes approuvées, au département du commanditaire et au mois de l’approbation. Pass distribués : pass des carnets remis, au département de résidence du bénéficiaire. Pass utilisés : encaissements non annulés, au département du lieu d’accueil. Montant remboursé : virements payés aux lieux, au mois des encaissements remboursés. Lieux labellisés : lieux ayant au moins un lieu d’accueil actif dans le département, aujourd’hui.',
  'Les effectifs de personnes (pass distribués et utilisés) inférieurs à 5 sont masqués, ainsi que d’autres cases choisies pour qu’aucune case masquée ne se déduise des totaux par département ou par mois. Les montants, les achats des commanditaires et les lieux ne désignent personne et ne sont pas masqués.',
];

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
 * order; distributed and used are masked as two-way tables (département × month).
 */
export function publicStatistics(deps: { db: DbOrTx; clock: Clock }) {
  const { db, clock } = deps;
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

  const table = (map: Map<string, { n: number }>) => departements.map((d) => months.map((m) => map.get(`${d}|${m}`)?.n ?? 0));
  const hiddenDistributed = hiddenTableCells(table(distributed));
  const hiddenUsed = hiddenTableCells(table(used));

  const rows: PublicStatisticsRow[] = departements.flatMap((d, i) =>
    months.map((m, j) => {
      const key = `${d}|${m}`;
      const distributedHidden = hiddenDistributed[i]![j]!;
      const usedHidden = hiddenUsed[i]![j]!;
      return {
        departement: d,
        departementName: territories.departement(d)?.name ?? d,
        month: m,
        monthLabel: monthLabel(m),
        bought: boughtCells.get(key) ?? 0,
        distributed: distributedHidden ? null : (distributed.get(key)?.n ?? 0),
        used: usedHidden ? null : (used.get(key)?.n ?? 0),
        // The value used is given in the département's row only when its count is: else the count would follow from it.
        usedCents: usedHidden ? null : (used.get(key)?.cents ?? 0),
        reimbursedCents: reimbursed.get(key)?.cents ?? 0,
        masked: distributedHidden || usedHidden,
      };
    }),
  );
  // National totals per month are the ledger's figures, public anyway: they are given exact.
  const national = months.map((m) => {
    const sum = (map: Map<string, { n: number; cents: number }>, field: 'n' | 'cents') =>
      [...map].filter(([k]) => k.endsWith(`|${m}`)).reduce((s, [, v]) => s + v[field], 0);
    return {
      month: m,
      monthLabel: monthLabel(m),
      bought: bought.filter((b) => b.month === m).reduce((s, b) => s + b.n, 0),
      distributed: sum(distributed, 'n'),
      used: sum(used, 'n'),
      usedCents: sum(used, 'cents'),
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
export type PublicStatistics = ReturnType<typeof publicStatistics>;
