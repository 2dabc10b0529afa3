import type { FormErrors } from '../../shared/forms.ts';
import { asSentence, formErrors } from '../../shared/forms.ts';
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
  /** The payment arrangement: all three empty means none given. */
  paymentArrangementKind?: string;
  paymentArrangementReference?: string;
  paymentArrangementDate?: string;
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
    paymentArrangementKind: str('paymentArrangementKind'),
    paymentArrangementReference: str('paymentArrangementReference'),
    paymentArrangementDate: str('paymentArrangementDate'),
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
  const arrangementGiven = Boolean(values.paymentArrangementKind || values.paymentArrangementReference?.trim() || values.paymentArrangementDate);
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
    paymentArrangement: arrangementGiven
      ? { kind: values.paymentArrangementKind, reference: values.paymentArrangementReference, date: values.paymentArrangementDate }
      : undefined,
    allowedServices: values.allowedServices?.length ? values.allowedServices : undefined,
  };
  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success) {
    for (const [path, message] of Object.entries(formErrors(parsed.error))) errors[formField(path)] ??= message;
  }
  if (Object.keys(errors).length > 0) return { values, errors, territoryResults };
  return { values, input: parsed.data, errors };
}

/** The form input that holds the value at an API path. */
function formField(path: string): string {
  const [head = '', sub = ''] = path.split('.');
  if (head === 'territory') return 'territories';
  if (head === 'faceValueCents') return 'faceValueEuros';
  if (head === 'paymentArrangement') return { kind: 'paymentArrangementKind', reference: 'paymentArrangementReference', date: 'paymentArrangementDate' }[sub] ?? 'paymentArrangementKind';
  return head;
}

/** Maps the field errors the service names (unknown codes, face value, arrangement) to the form's fields. */
export function serviceErrorsToForm(errors: { path: string; message: string }[]): FormErrors {
  const result: FormErrors = {};
  for (const e of errors) result[formField(e.path)] ??= asSentence(e.message);
  return result;
}
