import type { ZodError } from 'zod';

/** Field name → first message, for re-rendering a form with each error next to its field. */
export type FormErrors = Record<string, string>;

export function formErrors(error: ZodError): FormErrors {
  const errors: FormErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    errors[key] ??= asSentence(issue.message);
  }
  return errors;
}

/**
 * Messages reach people as sentences: a capital first letter, whatever the schema that wrote
 * them ("code postal attendu" → "Code postal attendu"). Applied where messages leave the
 * service (form errors here, problem+json field errors in the error plugin), so that no schema
 * can forget it.
 */
export function asSentence(message: string): string {
  return message.charAt(0).toLocaleUpperCase('fr-FR') + message.slice(1);
}
