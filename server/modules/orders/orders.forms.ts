import type { FormErrors } from '../../shared/forms.ts';
import { formErrors } from '../../shared/forms.ts';
import { orderInput, type OrderInput } from './orders.schemas.ts';
import { parseEuros } from '../../shared/money.ts';

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
  departements: string;
  epcis: string;
  communes: string;
  cofinancingProgramId: string;
  chorusServiceCode: string;
  engagementNumber: string;
  /** Services the passes pay for; none ticked: every service. */
  allowedServices?: string[];
}

/** The HTML form, field by field, turned into the same input the API validates. */
export function readOrderForm(body: Record<string, unknown>): { values: OrderFormValues; input?: OrderInput; errors: FormErrors } {
  const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
  const values: OrderFormValues = {
    bookletCount: str('bookletCount'),
    passesPerBooklet: str('passesPerBooklet'),
    faceValueEuros: str('faceValueEuros'),
    validFrom: str('validFrom'),
    validUntil: str('validUntil'),
    publics: asList(body.publics),
    departements: str('departements'),
    epcis: str('epcis'),
    communes: str('communes'),
    cofinancingProgramId: str('cofinancingProgramId'),
    chorusServiceCode: str('chorusServiceCode'),
    engagementNumber: str('engagementNumber'),
    allowedServices: (Array.isArray(body.allowedServices) ? body.allowedServices : body.allowedServices === undefined ? [] : [body.allowedServices]).map(String),
  };
  const errors: FormErrors = {};
  const faceValueCents = parseEuros(values.faceValueEuros) ?? null;
  if (faceValueCents === null) errors.faceValueEuros = 'montant en euros attendu, par exemple 10 ou 10,00';
  const territory = {
    departements: asList(values.departements),
    epcis: asList(values.epcis),
    communes: asList(values.communes),
  };
  const hasTerritory = territory.departements.length + territory.epcis.length + territory.communes.length > 0;
  const candidate = {
    bookletCount: asInt(values.bookletCount),
    passesPerBooklet: asInt(values.passesPerBooklet),
    faceValueCents: faceValueCents ?? 0,
    validFrom: values.validFrom,
    validUntil: values.validUntil,
    publics: values.publics.length > 0 ? values.publics : null,
    territory: hasTerritory ? territory : null,
    cofinancingProgramId: values.cofinancingProgramId || undefined,
    chorusServiceCode: values.chorusServiceCode || undefined,
    engagementNumber: values.engagementNumber || undefined,
    allowedServices: values.allowedServices?.length ? values.allowedServices : undefined,
  };
  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success) {
    for (const [path, message] of Object.entries(formErrors(parsed.error))) {
      // Map API paths back to the form's field names.
      const field = path.startsWith('territory.') ? path.split('.')[1]! : path === 'faceValueCents' ? 'faceValueEuros' : path.split('.')[0]!;
      errors[field] ??= message;
    }
  }
  if (Object.keys(errors).length > 0) return { values, errors };
  return { values, input: parsed.data, errors };
}

/** Maps the field errors of a 400 from the service (unknown codes) to the form's fields. */
export function serviceErrorsToForm(errors: { path: string; message: string }[]): FormErrors {
  const result: FormErrors = {};
  for (const e of errors) {
    const field = e.path.startsWith('territory.') ? e.path.split('.')[1]! : e.path.split('.')[0]!;
    result[field] ??= e.message;
  }
  return result;
}
