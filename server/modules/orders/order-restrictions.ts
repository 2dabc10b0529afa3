import type { DbOrTx } from '../../../db/client.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import type { FieldError } from '../../shared/problem.ts';
import { activePublicCategoryCodes } from '../programs/public-categories.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import type { OrderInput } from './orders.schemas.ts';
import { unknownReferenceCodes } from './orders.errors.ts';

/** Publics and territory codes must exist: each unknown code is named in a 400. */
export function validateRestrictions(tx: DbOrTx, input: Pick<OrderInput, 'publics' | 'territory'>): TerritoryRestrictionColumn | null {
  const errors: FieldError[] = [];
  if (input.publics) {
    const known = activePublicCategoryCodes(tx, input.publics);
    input.publics.forEach((code, i) => {
      if (!known.has(code)) errors.push({ path: `publics.${i}`, message: `public inconnu : ${code}` });
    });
  }
  let territory: TerritoryRestrictionColumn | null = null;
  if (input.territory) {
    const t = input.territory;
    const hasCodes = (t.departements?.length ?? 0) + (t.epcis?.length ?? 0) + (t.communes?.length ?? 0) > 0;
    // An empty restriction would admit nobody: it means "no restriction" on a form, so store null.
    if (hasCodes) {
      territory = {
        ...(t.departements?.length ? { departements: [...new Set(t.departements)] } : {}),
        ...(t.epcis?.length ? { epcis: [...new Set(t.epcis)] } : {}),
        ...(t.communes?.length ? { communes: [...new Set(t.communes)] } : {}),
      };
      for (const unknown of getTerritories().validateTerritory(territory)) {
        const index = (t[unknown.kind] ?? []).indexOf(unknown.code);
        const label = { departements: 'Département inconnu', epcis: 'EPCI inconnu', communes: 'Commune inconnue' }[unknown.kind];
        const hint = unknown.currentCode ? ` (code actuel : ${unknown.currentCode})` : '';
        errors.push({ path: `territory.${unknown.kind}.${index}`, message: `${label} : ${unknown.code}${hint}` });
      }
    }
  }
  if (errors.length > 0) throw unknownReferenceCodes(errors);
  return territory;
}
