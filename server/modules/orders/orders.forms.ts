import type { FormErrors } from '../../shared/forms.ts';
import { asSentence, formErrors } from '../../shared/forms.ts';
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
  /** The payment arrangement: all three empty means none given. */
  paymentArrangementKind?: string;
  paymentArrangementReference?: string;
  paymentArrangementDate?: string;
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
    paymentArrangementKind: str('paymentArrangementKind'),
    paymentArrangementReference: str('paymentArrangementReference'),
    paymentArrangementDate: str('paymentArrangementDate'),
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
  const arrangementGiven = Boolean(values.paymentArrangementKind || values.paymentArrangementReference?.trim() || values.paymentArrangementDate);
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
    paymentArrangement: arrangementGiven
      ? { kind: values.paymentArrangementKind, reference: values.paymentArrangementReference, date: values.paymentArrangementDate }
      : undefined,
    allowedServices: values.allowedServices?.length ? values.allowedServices : undefined,
  };
  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success) {
    for (const [path, message] of Object.entries(formErrors(parsed.error))) errors[formField(path)] ??= message;
  }
  if (Object.keys(errors).length > 0) return { values, errors };
  return { values, input: parsed.data, errors };
}

/** The form input that holds the value at an API path. */
function formField(path: string): string {
  const [head = '', sub = ''] = path.split('.');
  if (head === 'territory') return sub;
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
