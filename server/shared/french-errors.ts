import { z } from 'zod';
import { countOf } from './plural.ts';

/**
 * One French wording for every validation message zod produces by itself, installed once for the
 * whole process. Schemas that say something more precise (`'SIRET invalide'`) keep their own
 * message; this map only replaces zod's English defaults ("Invalid input: expected string,
 * received undefined"), which must never reach a person, in a page or in the API.
 *
 * The sentences speak of the field, not of types: a person never typed "a string".
 */

type Issue = z.core.$ZodRawIssue;

const FORMAT_WORDS: Record<string, string> = {
  email: 'Adresse e-mail invalide : elle s’écrit par exemple prenom.nom@exemple.fr.',
  url: 'Adresse web invalide : elle commence par https://.',
  uuid: 'Identifiant invalide.',
  guid: 'Identifiant invalide.',
  datetime: 'Date et heure invalides.',
  date: 'Date invalide : elle s’écrit AAAA-MM-JJ.',
  time: 'Heure invalide : elle s’écrit HH:MM.',
  iban: 'IBAN invalide.',
};


function isMissing(input: unknown): boolean {
  return input === undefined || input === null || input === '';
}

function sizeUnit(origin: string | undefined): [string, string] | null {
  if (origin === 'string') return ['caractère', 'caractères'];
  if (origin === 'array' || origin === 'set') return ['élément', 'éléments'];
  if (origin === 'file') return ['octet', 'octets'];
  return null;
}

function numberText(value: number | bigint | Date | unknown): string {
  if (value instanceof Date) return value.toLocaleDateString('fr-FR');
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value).toLocaleString('fr-FR');
  return String(value);
}

/** The French message for one issue zod raised without a message of the schema's own. */
export function frenchIssueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (isMissing(issue.input)) return 'Ce champ est obligatoire.';
      if (issue.expected === 'number' || issue.expected === 'int' || issue.expected === 'bigint') return 'Saisissez un nombre.';
      if (issue.expected === 'boolean') return 'Répondez par oui ou par non.';
      if (issue.expected === 'date') return 'Saisissez une date.';
      if (issue.expected === 'array') return 'Choisissez une ou plusieurs valeurs dans la liste.';
      if (issue.expected === 'object') return 'Le contenu envoyé n’a pas la forme attendue.';
      return 'Valeur invalide pour ce champ.';
    }
    case 'invalid_value':
      if (isMissing(issue.input)) return 'Ce champ est obligatoire : choisissez une valeur.';
      return 'Choisissez une des valeurs proposées.';
    case 'too_small': {
      const unit = sizeUnit(issue.origin);
      if (unit) {
        if (Number(issue.minimum) === 1 && issue.inclusive !== false) {
          return issue.origin === 'string' ? 'Ce champ est obligatoire.' : 'Choisissez au moins une valeur.';
        }
        const min = issue.inclusive === false ? Number(issue.minimum) + 1 : issue.minimum;
        return `Au moins ${countOf(min, unit[0], unit[1])}.`;
      }
      return issue.inclusive === false
        ? `La valeur doit être supérieure à ${numberText(issue.minimum)}.`
        : `La valeur doit être au moins ${numberText(issue.minimum)}.`;
    }
    case 'too_big': {
      const unit = sizeUnit(issue.origin);
      if (unit) {
        const max = issue.inclusive === false ? Number(issue.maximum) - 1 : issue.maximum;
        return `${countOf(max, unit[0], unit[1])} au plus.`.replace(/^./, (c) => c.toUpperCase());
      }
      return issue.inclusive === false
        ? `La valeur doit être inférieure à ${numberText(issue.maximum)}.`
        : `La valeur doit être au plus ${numberText(issue.maximum)}.`;
    }
    case 'invalid_format': {
      if (issue.format === 'starts_with') return `La valeur doit commencer par « ${String(issue.prefix)} ».`;
      if (issue.format === 'ends_with') return `La valeur doit se terminer par « ${String(issue.suffix)} ».`;
      if (issue.format === 'includes') return `La valeur doit contenir « ${String(issue.includes)} ».`;
      return FORMAT_WORDS[issue.format] ?? 'Format invalide pour ce champ.';
    }
    case 'not_multiple_of':
      return `La valeur doit être un multiple de ${numberText(issue.divisor)}.`;
    case 'unrecognized_keys':
      return issue.keys.length > 1
        ? `Champs inconnus : ${issue.keys.join(', ')}.`
        : `Champ inconnu : ${issue.keys.join(', ')}.`;
    case 'invalid_key':
    case 'invalid_element':
      return 'Une des valeurs de ce champ est invalide.';
    case 'invalid_union':
      return 'Valeur invalide pour ce champ.';
    default:
      return 'Valeur invalide pour ce champ.';
  }
}

let installed = false;

/** Installs the French map for zod's defaults; idempotent, called by buildApp and the scripts. */
export function installFrenchValidationMessages(): void {
  if (installed) return;
  z.config({ customError: (issue) => frenchIssueMessage(issue) });
  installed = true;
}
