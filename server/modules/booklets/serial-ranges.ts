/**
 * Booklet serials in bulk: ranges people type ("CD31-2026-000001 à 000010") and the summary a table
 * prints. Pure functions, no I/O. A serial is a stem and a zero-padded number: CD31-2026-000042.
 * The booklets area owns serials (they are the booklet's identity): distribution reads ranges to
 * allot and return stock, oversight summarises the serials it blocks, neither through the other.
 */

export { normaliseSerial } from './serial-format.ts';
import { normaliseSerial } from './serial-format.ts';
import { countOf } from '../../shared/plural.ts';

export const SERIAL_PATTERN = /^[A-Z0-9][A-Z0-9-]{2,39}$/;

interface SplitSerial {
  stem: string;
  number: number;
  width: number;
}

export function splitSerial(serial: string): SplitSerial | null {
  const match = /^(.*?)(\d+)$/.exec(serial);
  if (!match || match[2]!.length > 12) return null;
  return { stem: match[1]!, number: Number(match[2]), width: match[2]!.length };
}

const format = (s: SplitSerial, n: number) => `${s.stem}${String(n).padStart(s.width, '0')}`;

// Dashes are part of serials, so a dash only separates a range when surrounded by spaces.
const RANGE = /^(.+?)\s*(?:\.{2,3}|…|→)\s*(.+)$|^(.+?)\s+(?:à|au|-|–|—)\s+(.+)$/i;

export type SelectionResult = { serials: string[] } | { error: { item: string; message: string } };

/**
 * Serials and ranges ("CD31-2026-000001 à CD31-2026-000010", "CD31-2026-000001..000010") → the
 * distinct serials they cover, in the order given. `max` bounds the expansion, since a typo in a
 * range ("000001 à 900000") must not make the server build a huge list.
 */
export function expandSerialSelection(items: readonly string[], max: number): SelectionResult {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (serial: string) => {
    if (!seen.has(serial)) {
      seen.add(serial);
      out.push(serial);
    }
  };
  for (const raw of items.flatMap((i) => i.split(/[\n;,]+/)).map((i) => i.trim()).filter(Boolean)) {
    const range = RANGE.exec(raw);
    if (!range) {
      const serial = normaliseSerial(raw);
      if (!SERIAL_PATTERN.test(serial)) return { error: { item: raw, message: `numéro de carnet illisible : ${raw}` } };
      add(serial);
    } else {
      const from = normaliseSerial(range[1] ?? range[3]!);
      const toText = normaliseSerial(range[2] ?? range[4]!);
      const start = splitSerial(from);
      // "CD31-2026-000001 à 000010": the end may be given as its number alone.
      const end = /^\d+$/.test(toText) && start ? { ...start, number: Number(toText) } : splitSerial(toText);
      if (!start || !end || !SERIAL_PATTERN.test(from)) return { error: { item: raw, message: `plage illisible : ${raw}` } };
      if (start.stem !== end.stem) return { error: { item: raw, message: `les deux bornes de la plage « ${raw} » doivent avoir le même préfixe` } };
      if (end.number < start.number) return { error: { item: raw, message: `la plage « ${raw} » va à rebours` } };
      if (end.number - start.number + 1 + out.length > max) return { error: { item: raw, message: `${max} carnets au plus par opération` } };
      for (let n = start.number; n <= end.number; n++) add(format(start, n));
    }
    if (out.length > max) return { error: { item: raw, message: `${max} carnets au plus par opération` } };
  }
  return { serials: out };
}

const MAX_SUMMARY_RUNS = 20;

/** Serials → "CD31-2026-000001 à CD31-2026-000010, CD31-2026-000015": how a movement reads in a table. */
export function summariseSerials(serials: readonly string[]): string {
  const parsed = serials.map((s) => ({ serial: s, split: splitSerial(s) }));
  parsed.sort((a, b) => {
    const sa = a.split?.stem ?? a.serial;
    const sb = b.split?.stem ?? b.serial;
    return sa === sb ? (a.split?.number ?? 0) - (b.split?.number ?? 0) : sa < sb ? -1 : 1;
  });
  const runs: string[] = [];
  let i = 0;
  while (i < parsed.length) {
    const first = parsed[i]!;
    let j = i;
    while (
      j + 1 < parsed.length &&
      first.split &&
      parsed[j + 1]!.split &&
      parsed[j + 1]!.split!.stem === first.split.stem &&
      parsed[j + 1]!.split!.number === parsed[j]!.split!.number + 1
    ) {
      j++;
    }
    runs.push(j === i ? first.serial : `${first.serial} à ${parsed[j]!.serial}`);
    i = j + 1;
  }
  if (runs.length <= MAX_SUMMARY_RUNS) return runs.join(', ');
  return `${runs.slice(0, MAX_SUMMARY_RUNS).join(', ')} et ${countOf(runs.length - MAX_SUMMARY_RUNS, 'autre plage', 'autres plages')}`;
}
