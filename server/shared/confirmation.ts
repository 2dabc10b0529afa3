import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A recap page before what cannot be undone (approving an order, labelling a place, blocking a
 * booklet…). The first POST of such a form does nothing but show what will happen; the page's
 * "Confirmer" button posts the same fields again with `confirmation=oui`, and only that second
 * POST acts. It works without JavaScript, and a request that skips the step changes nothing.
 * The API is not concerned: its callers are programs that say exactly what they want.
 */
export interface ConfirmationPage {
  /** The question, e.g. "Approuver la commande CMD-2026-000003 ?" */
  title: string;
  /** What the action is about, as label/value pairs (amounts, counts, names). */
  facts: { label: string; value: string }[];
  /** What will happen, in the users' words, one sentence each (who is told, what is committed). */
  consequences: string[];
  /** Words of the confirm button ("Approuver la commande"). */
  confirmLabel: string;
  /** Where "Annuler" leads: the page the action came from. */
  cancelHref: string;
  /** The button style: a destructive action gets the DSFR's secondary style with a warning. */
  irreversible?: boolean;
}

export const CONFIRMATION_FIELD = 'confirmation';

export function isConfirmed(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as Record<string, unknown>)[CONFIRMATION_FIELD] === 'oui';
}

/** Fields of the first POST, carried to the second one unchanged (the CSRF token is the page's own). */
function carriedFields(body: unknown): { name: string; value: string }[] {
  if (typeof body !== 'object' || body === null) return [];
  const fields: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    // A one-time second-factor code is checked before the recap and never sent twice (it would be a replay).
    if (name === '_csrf' || name === CONFIRMATION_FIELD || name === 'secondFactorCode') continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string' || typeof one === 'number') fields.push({ name, value: String(one) });
    }
  }
  return fields;
}

export function renderConfirmation(request: FastifyRequest, reply: FastifyReply, page: ConfirmationPage): Promise<FastifyReply> {
  return reply.renderPage('pages/confirm.eta', {
    title: page.title,
    confirmation: page,
    action: request.url,
    fields: carriedFields(request.body),
  });
}
