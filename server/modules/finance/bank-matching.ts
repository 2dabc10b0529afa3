/**
 * How much a bank movement looks like one of the service's documents, with no I/O: the queue's
 * suggestions. Banks and payers mangle references (dashes dropped, the year left out, a name in
 * capitals without accents), so what is compared is normalised text: the document number's
 * digits, the order reference, and the words of the payer's or payee's name.
 */

export interface MovementText {
  amountCents: number;
  endToEndId: string | null;
  remittance: string | null;
  counterparty: string | null;
}

export interface Candidate {
  /** FAC-2026-000004 or RB-2026-000002. */
  number: string;
  /** What is still due (invoice) or the transfer's amount (payout). */
  amountCents: number;
  /** Amounts a movement may not exceed (an invoice takes part payments) or must equal (a payout). */
  amountRule: 'at_most' | 'equal';
  /** Other references that name the same thing: the order's CMD-… for an invoice. */
  otherReferences: string[];
  /** The buyer, the State programme or the place: words a bank label may carry. */
  names: string[];
}

export interface Similarity {
  score: number;
  reasons: string[];
}

/** Upper case, accents and punctuation dropped: "Médiathèque d’Aucamville" → "MEDIATHEQUE D AUCAMVILLE". */
export const normalise = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();

const compact = (text: string) => normalise(text).replace(/ /g, '');

/** Words that say nothing about who paid: legal forms, articles, banking words. */
const STOP_WORDS = new Set(['DE', 'DU', 'DES', 'LA', 'LE', 'LES', 'D', 'L', 'ET', 'EN', 'AU', 'AUX', 'VIR', 'VIREMENT', 'SEPA', 'REF', 'PAIEMENT', 'REGLEMENT', 'FACTURE']);
const significantWords = (text: string) => normalise(text).split(' ').filter((w) => w.length >= 3 && !STOP_WORDS.has(w));

/**
 * A document number is recognised whole ("FAC2026000004", "FAC 2026 000004"), or by its serial
 * with the year ("2026000004"), or by its serial alone when it is at least four significant digits.
 */
function numberSimilarity(haystack: string, number: string): string | null {
  const [, year, serial] = /^[A-Z]+-(\d{4})-(\d+)$/.exec(number) ?? [];
  if (!year || !serial) return haystack.includes(compact(number)) ? `référence ${number}` : null;
  if (haystack.includes(compact(number))) return `référence ${number} citée`;
  if (haystack.includes(`${year}${serial}`)) return `numéro ${year}-${serial} cité`;
  const significant = serial.replace(/^0+/, '');
  if (significant.length >= 4 && haystack.includes(serial)) return `numéro ${serial} cité`;
  return null;
}

export function similarity(movement: MovementText, candidate: Candidate): Similarity {
  const reasons: string[] = [];
  let score = 0;
  const fits = candidate.amountRule === 'equal' ? movement.amountCents === candidate.amountCents : movement.amountCents <= candidate.amountCents;
  if (!fits) return { score: 0, reasons };
  if (movement.amountCents === candidate.amountCents) {
    score += 3;
    reasons.push(candidate.amountRule === 'equal' ? 'même montant' : 'montant égal au reste dû');
  } else {
    score += 1;
    reasons.push('montant inférieur au reste dû');
  }
  const haystack = compact(`${movement.endToEndId ?? ''} ${movement.remittance ?? ''}`);
  const cited = numberSimilarity(haystack, candidate.number);
  if (cited) {
    score += 4;
    reasons.push(cited);
  }
  for (const reference of candidate.otherReferences) {
    const found = numberSimilarity(haystack, reference);
    if (found) {
      score += 3;
      reasons.push(found);
    }
  }
  const words = new Set(significantWords(`${movement.counterparty ?? ''} ${movement.remittance ?? ''}`));
  for (const name of candidate.names) {
    const shared = significantWords(name).filter((w) => words.has(w));
    if (shared.length > 0) {
      score += Math.min(2, shared.length);
      reasons.push(`nom proche de « ${name} »`);
    }
  }
  return { score, reasons };
}

/** The best few candidates, best first; ties keep the candidates' order (oldest document first). */
export function rankCandidates<T extends Candidate>(movement: MovementText, candidates: T[], limit = 5): (T & Similarity)[] {
  return candidates
    .map((c, i) => ({ c, i, s: similarity(movement, c) }))
    .filter((r) => r.s.score > 0)
    .sort((a, b) => b.s.score - a.s.score || a.i - b.i)
    .slice(0, limit)
    .map((r) => ({ ...r.c, ...r.s }));
}
