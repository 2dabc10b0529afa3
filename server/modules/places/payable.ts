/**
 * "A place can be paid" (finance.md): the rule and its query live in bank-accounts.repository.ts;
 * the batch builder (finance/reimbursement.service.ts) imports the rule from here, the place module's
 * public name for it.
 */
export { bankAccountForNewPayout, PAYABLE_PLACE_IDS } from './bank-accounts.repository.ts';
export type { BankAccountRow } from './places.repository.ts';
