import type { PostEntryInput } from '../../server/modules/finance/ledger.rules.ts';

/**
 * A test's journal entry of two lines: `cents` debited to `debit` and credited to `credit`. A test of
 * the balance rule gives `creditCents` apart; the idempotency key defaults to `<refType>:<refId>`.
 */
export function twoLineEntry(entry: {
  kind: string;
  refType: string;
  refId: string;
  label: string;
  idempotencyKey?: string;
  debit: string;
  credit: string;
  cents: number;
  creditCents?: number;
}): PostEntryInput {
  const { debit, credit, cents, creditCents = cents, idempotencyKey = `${entry.refType}:${entry.refId}`, ...ref } = entry;
  return {
    ...ref,
    idempotencyKey,
    lines: [
      { account: debit, debitCents: cents },
      { account: credit, creditCents },
    ],
  };
}
