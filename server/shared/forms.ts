import type { ZodError } from 'zod';
import { fieldSentTwice, unreadableForm } from './shared.errors.ts';

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

/**
 * The fields of a posted HTML form, each one string. A field sent twice (`a=1&a=2` arrives as an
 * array), a nested value or a JSON body of another shape is refused with a 400, never handed on
 * to code that expects text.
 */
export function formFields(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw unreadableForm();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') {
      throw fieldSentTwice(name);
    }
    fields[name] = value;
  }
  return fields;
}
