import { toCsv } from '../../shared/csv.ts';
import type { UsageView } from './oversight.schemas.ts';
import { MASKED_CELL_LABEL } from '../../shared/small-cells.ts';

/** The usage figures as one long CSV (one line per breakdown row); a masked count is written « secret statistique ». */
export function usageCsv(usage: UsageView): string {
  const shown = (n: number | null) => (n === null ? MASKED_CELL_LABEL : n);
  const rows: (string | number)[][] = [
    ['total', 'bought', 'Pass achetés', usage.bought],
    ['total', 'distributed', 'Pass distribués', usage.distributed],
    ['total', 'used', 'Pass utilisés', usage.used],
    ['total', 'expired', 'Pass expirés', usage.expired],
    ...(usage.figuresAsOf ? [['arrete', 'figures_as_of', 'Distribués, utilisés et détail arrêtés à la fin du mois', usage.figuresAsOf]] : []),
    ...usage.byMonth.map((c) => ['mois', c.key, c.label, shown(c.count)]),
    ...usage.byService.map((c) => ['service', c.key, c.label, shown(c.count)]),
    ...usage.byPlace.map((c) => ['lieu', c.key, `${c.label}${c.epciName ? ` (${c.epciName})` : ''}`, shown(c.count)]),
    ...usage.byPublic.map((c) => ['public', c.key, c.label, shown(c.count)]),
    ...usage.byPrescriber.flatMap((p) => [
      ['prescripteur_carnets_remis', p.prescriberId, p.prescriberName, shown(p.distributedBooklets)],
      ['prescripteur_carnets_dormants_30_jours', p.prescriberId, p.prescriberName, shown(p.sleepingBooklets)],
      ['prescripteur_pass_utilises', p.prescriberId, p.prescriberName, shown(p.usedPasses)],
    ]),
    ...usage.handOutToFirstUse.map((c) => ['delai_premiere_utilisation', c.key, c.label, shown(c.count)]),
  ];
  return toCsv(['rubrique', 'cle', 'libelle', 'nombre'], rows);
}
