/** What every message is made of, and the few formatters their texts share (messages.ts, proof-messages.ts). */
import { formatFrenchDate, parisDate } from '../../shared/paris-time.ts';

export type MessageData = Record<string, string | number | null | undefined>;

export interface MessageContent {
  paragraphs: string[];
  link: { label: string; path: string };
}

export interface MessageDefinition {
  essential: boolean;
  subject(data: MessageData): string;
  body(data: MessageData): MessageContent;
}

export const str = (data: MessageData, key: string): string => {
  const value = data[key];
  return value === null || value === undefined ? '' : String(value);
};

export const euros = (cents: unknown): string =>
  `${(Number(cents) / 100).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} €`;

/** "1er décembre 2026" (Paris) for a date or an instant: the one French date format (shared/paris-time.ts). */
export const frenchDate = (iso: unknown): string => {
  const value = String(iso ?? '');
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatFrenchDate(value);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatFrenchDate(parisDate(date));
};
