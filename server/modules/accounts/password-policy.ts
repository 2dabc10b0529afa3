import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from './passwords.ts';

let common: Set<string> | undefined;
/** The ~49 000 most common passwords of leaked lists, shipped with @zxcvbn-ts/language-common. */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary.passwords.map((p) => p.toLowerCase()));
  return common;
}

const forwards = [
  '0123456789'.repeat(30),
  'abcdefghijklmnopqrstuvwxyz'.repeat(10),
  'azertyuiopqsdfghjklmwxcvbn'.repeat(10),
  'qwertyuiopasdfghjklzxcvbnm'.repeat(10),
];
/** Runs of a keyboard row or of the alphabet, either way round, that a long password must not be. */
const SEQUENCES = [...forwards, ...forwards.map((s) => [...s].reverse().join(''))];

/** Why a new password is refused, in French, or null when it is acceptable. */
export function passwordWeakness(password: string): string | null {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH) return `le mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH} caractères`;
  if (chars.length > 256) return '256 caractères au maximum';
  if (password.trim() === '') return 'le mot de passe ne peut pas être fait que d’espaces';
  if (new Set(chars).size === 1) return 'le mot de passe ne peut pas répéter un seul caractère';
  const lower = password.toLowerCase();
  if (SEQUENCES.some((sequence) => sequence.includes(lower))) {
    return 'le mot de passe ne peut pas être une simple suite de caractères (abcdef…, 123456…, azerty…)';
  }
  if (commonPasswords().has(password.toLowerCase())) {
    return 'ce mot de passe figure parmi les plus courants des fuites de données : choisissez-en un autre (une phrase de plusieurs mots, par exemple)';
  }
  return null;
}

/** A password being chosen (invitation, change, reset): every rule above, in one schema. */
export const newPassword = z.string().superRefine((value, ctx) => {
  const weakness = passwordWeakness(value);
  if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
});
