import type { FormErrors } from '../../shared/forms.ts';
import { formErrors } from '../../shared/forms.ts';
import { orderInput, type OrderInput } from './orders.schemas.ts';
import { parseEuros } from '../../shared/money.ts';
import { getTerritories } from '../territories/territories.ts';
import { choicesToRestriction, choiceValue, parseChoices, resolveTypedTerritory, searchTerritories, type TerritoryMatch } from '../territories/territory-search.ts';

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) => String(v).split(/[\s,;]+/)).filter(Boolean);

const asInt = (value: unknown): number => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN);

export interface OrderFormValues {
  bookletCount: string;
  passesPerBooklet: string;
  faceValueEuros: string;
  validFrom: string;
  validUntil: string;
  publics: string[];
  /** The chosen territories as the picker sends them ("epcis:241200187"); none: all of France. */
  territories: string[];
  /** A name or postal code typed in the picker's search box, not picked yet. */
  territoryQuery: string;
  cofinancingProgramId: string;
  chorusServiceCode: string;
  engagementNumber: string;
  /** Services the passes pay for; none ticked: every service. */
  allowedServices?: string[];
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);

/** The picker's search step (no JavaScript): the button pressed, and what it searched. */
export type TerritoryStep = { kind: 'search'; query: string; results: TerritoryMatch[] } | { kind: 'remove' };

export interface OrderFormReading {
  values: OrderFormValues;
  input?: OrderInput;
  errors: FormErrors;
  /** Set when the form was sent to search or remove a territory: re-render it, validate nothing. */
  step?: TerritoryStep;
  /** Territories matching a name left in the search box that could not be taken as it stands. */
  territoryResults?: TerritoryMatch[];
}

/** The HTML form, field by field, turned into the same input the API validates. */
export function readOrderForm(body: Record<string, unknown>): OrderFormReading {
  const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
  const removed = str('retirer');
  const picked = parseChoices(strings(body.territoires).filter((v) => v !== removed));
  const values: OrderFormValues = {
    bookletCount: str('bookletCount'),
    passesPerBooklet: str('passesPerBooklet'),
    faceValueEuros: str('faceValueEuros'),
    validFrom: str('validFrom'),
    validUntil: str('validUntil'),
    publics: asList(body.publics),
    territories: picked.choices.map(choiceValue),
    territoryQuery: str('territoryQuery').trim().slice(0, 100),
    cofinancingProgramId: str('cofinancingProgramId'),
    chorusServiceCode: str('chorusServiceCode'),
    engagementNumber: str('engagementNumber'),
    allowedServices: strings(body.allowedServices),
  };
  if (removed) return { values, errors: {}, step: { kind: 'remove' } };
  // Searching for less than 2 characters (Enter pressed in another field, which presses the first button): a plain simulation.
  if (body.action === 'rechercher-territoire' && values.territoryQuery.length >= 2) {
    const results = searchTerritories(getTerritories(), values.territoryQuery);
    return { values, errors: {}, step: { kind: 'search', query: values.territoryQuery, results } };
  }
  const errors: FormErrors = {};
  let territoryResults: TerritoryMatch[] | undefined;
  if (picked.invalid.length > 0) errors.territories = `Territoire illisible : ${picked.invalid.join(', ')}. Cherchez-le par son nom.`;
  const typed = resolveTypedTerritory(getTerritories(), values.territoryQuery, picked.choices);
  if ('added' in typed) {
    picked.choices.push(typed.added);
    values.territories.push(choiceValue(typed.added));
    values.territoryQuery = '';
  } else if ('error' in typed) {
    errors.territories ??= typed.error;
    territoryResults = typed.matches;
  }
  const faceValueCents = parseEuros(values.faceValueEuros) ?? null;
  if (faceValueCents === null) errors.faceValueEuros = 'montant en euros attendu, par exemple 10 ou 10,00';
  const territory = choicesToRestriction(picked.choices);
  const candidate = {
    bookletCount: asInt(values.bookletCount),
    passesPerBooklet: asInt(values.passesPerBooklet),
    faceValueCents: faceValueCents ?? 0,
    validFrom: values.validFrom,
    validUntil: values.validUntil,
    publics: values.publics.length > 0 ? values.publics : null,
    territory,
    cofinancingProgramId: values.cofinancingProgramId || undefined,
    chorusServiceCode: values.chorusServiceCode || undefined,
    engagementNumber: values.engagementNumber || undefined,
    allowedServices: values.allowedServices?.length ? values.allowedServices : undefined,
  };
  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success) {
    for (const [path, message] of Object.entries(formErrors(parsed.error))) {
      // Map API paths back to the form's field names.
      const field = path.startsWith('territory') ? 'territories' : path === 'faceValueCents' ? 'faceValueEuros' : path.split('.')[0]!;
      errors[field] ??= message;
    }
  }
  if (Object.keys(errors).length > 0) return { values, errors, territoryResults };
  return { values, input: parsed.data, errors };
}

/** Maps the field errors of a 400 from the service (unknown codes) to the form's fields. */
export function serviceErrorsToForm(errors: { path: string; message: string }[]): FormErrors {
  const result: FormErrors = {};
  for (const e of errors) {
    const field = e.path.startsWith('territory') ? 'territories' : e.path.split('.')[0]!;
    result[field] ??= e.message;
  }
  return result;
}
