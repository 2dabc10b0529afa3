/**
 * The end-of-validity calendar of an order, from its validity end (APTIC's process): J-30 alert,
 * from J-15 the buyer approves the blocking of booklets not yet handed out, from J-7 it acknowledges
 * that booklets handed out after the blocking are at its own cost, and after the grace period the
 * expiry and the joint closing statement. Pure, no I/O.
 */
import type { EndOfValidityStep } from '../../../db/schema/oversight.ts';
import { addDays } from '../../shared/paris-time.ts';

export const BLOCKING_DAYS_BEFORE = 15;
export const ACKNOWLEDGEMENT_DAYS_BEFORE = 7;
export const ALERT_DAYS_BEFORE = 30;

export function endOfValidityCalendar(validUntil: string, gracePeriodDays: number) {
  return {
    alertOn: addDays(validUntil, -ALERT_DAYS_BEFORE),
    blockingFrom: addDays(validUntil, -BLOCKING_DAYS_BEFORE),
    acknowledgementFrom: addDays(validUntil, -ACKNOWLEDGEMENT_DAYS_BEFORE),
    validUntil,
    expiryAfter: addDays(validUntil, gracePeriodDays),
  };
}

export type StepRefusal = { code: string; message: string } | null;

/** Whether a step may be taken today, given the steps already taken and whether the order has expired. */
export function stepRefusal(step: EndOfValidityStep, input: { today: string; validUntil: string; gracePeriodDays: number; done: ReadonlySet<EndOfValidityStep>; expired: boolean }): StepRefusal {
  const cal = endOfValidityCalendar(input.validUntil, input.gracePeriodDays);
  if (input.done.has(step)) return { code: 'step_already_taken', message: 'Cette étape a déjà été faite.' };
  if (step === 'blocking_approved') {
    if (input.today < cal.blockingFrom) return { code: 'step_not_open_yet', message: `Le blocage des carnets non remis s’approuve à partir du ${cal.blockingFrom} (J-15).` };
    if (input.expired) return { code: 'order_expired', message: 'La commande est arrivée en fin de validité : il n’y a plus rien à bloquer.' };
    return null;
  }
  if (step === 'acknowledged') {
    if (!input.done.has('blocking_approved')) return { code: 'blocking_not_approved', message: 'Approuvez d’abord le blocage des carnets non remis.' };
    if (input.today < cal.acknowledgementFrom) return { code: 'step_not_open_yet', message: `La prise d’acte s’enregistre à partir du ${cal.acknowledgementFrom} (J-7).` };
    return null;
  }
  if (!input.expired) return { code: 'closing_not_ready', message: `Le relevé de clôture est établi après la fin de validité et le délai de grâce (après le ${cal.expiryAfter}).` };
  return null;
}
