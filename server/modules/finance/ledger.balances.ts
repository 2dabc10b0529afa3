/** Reading the journal's accounts: balances from the running totals, the trial balance, an object's entries. */
import type { DbOrTx } from '../../../db/client.ts';
import { journalLineTotals } from './ledger.repository.ts';

export { accountBalances, balanceOf, codeStartsWith, entriesOf, type AccountBalance } from './ledger.repository.ts';

export interface TrialBalance {
  debitCents: number;
  creditCents: number;
  balanced: boolean;
}

export function trialBalance(db: DbOrTx): TrialBalance {
  const sums = journalLineTotals(db);
  return { ...sums, balanced: sums.debitCents === sums.creditCents };
}
