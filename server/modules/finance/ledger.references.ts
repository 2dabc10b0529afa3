/**
 * How the journal writes the references of documents that have no number of their own. The lookups
 * of the numbers themselves (CMD-, FAC-, AV-, RB-…) are in ledger.repository.ts (documentReferences).
 */
import { formatPassCode } from '../booklets/pass-code.ts';

/** A pass code as finance may read it: its last group only (the code is what redeems it). */
export const maskedPass = (code: string) => `pass …${formatPassCode(code).slice(-4)}`;

/** A redemption's reference: its whole id (time-ordered, so ids minted within one minute share their first digits). */
export const redemptionReference = (redemptionId: string) => `ENC-${redemptionId}`;
