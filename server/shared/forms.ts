import type { ZodError } from 'zod';

/** Field name → first message, for re-rendering a form with each error next to its field. */
export type FormErrors = Record<string, string>;

export function formErrors(error: ZodError): FormErrors {
  const errors: FormErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    errors[key] ??= issue.message;
  }
  return errors;
}
