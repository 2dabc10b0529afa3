/**
 * The rules of a State call for projects checked on an order, beyond the money terms every
 * programme has (cofinancing.ts): the largest project it funds and the smallest territory — the
 * 2020 call wanted at least a grouping of communes. Pure, no I/O; a refusal names its rule.
 */
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import type { TerritoryMinimum } from '../../../db/schema/oversight.ts';
import { formatEuros } from '../../shared/money.ts';

export interface StateRules {
  maxOrderCents: number | null;
  territoryMin: TerritoryMinimum;
}

export type StateRuleRefusal = { condition: 'maximum_order' | 'territory_grouping'; message: string };

/** A territory covers a grouping of communes unless it is one commune alone (null is all of France). */
export function coversCommuneGrouping(territory: TerritoryRestrictionColumn | null): boolean {
  if (territory === null) return true;
  if ((territory.departements?.length ?? 0) > 0 || (territory.epcis?.length ?? 0) > 0) return true;
  return (territory.communes?.length ?? 0) >= 2;
}

export function stateRuleRefusal(
  rules: StateRules | null,
  programName: string,
  order: { totalCents: number; territory: TerritoryRestrictionColumn | null },
): StateRuleRefusal | null {
  if (!rules) return null;
  if (rules.maxOrderCents !== null && order.totalCents > rules.maxOrderCents) {
    return { condition: 'maximum_order', message: `Le programme « ${programName} » finance des projets de ${formatEuros(rules.maxOrderCents)} au plus.` };
  }
  if (rules.territoryMin === 'commune_grouping' && !coversCommuneGrouping(order.territory)) {
    return {
      condition: 'territory_grouping',
      message: `Le programme « ${programName} » exige un territoire d’au moins un regroupement de communes (un EPCI, un département ou plusieurs communes).`,
    };
  }
  return null;
}

/** What the State owes on the passes used of an order, for a programme that pays on use: its rate of their value, never more than its share. */
export function owedOnUse(usedCents: number, rateBasisPoints: number, stateShareCents: number): number {
  return Math.min(stateShareCents, Math.floor((usedCents * rateBasisPoints) / 10_000));
}
