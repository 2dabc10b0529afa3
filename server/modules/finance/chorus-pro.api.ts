import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChorusDocumentType } from '../../../db/schema/chorus-pro.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { chorusDepositInput } from './chorus-pro.ts';
import { chorusDepositOf, recordChorusDeposit } from './chorus-pro.service.ts';

export const chorusDepositView = z.object({
  documentType: z.enum(['invoice', 'credit_note']),
  documentId: z.string(),
  number: z.string(),
  status: z.enum(['deposited', 'pending', 'not_applicable']).describe('deposited, pending (à déposer), not_applicable (acheteur privé)'),
  depositedOn: z.string().nullable(),
  flowNumber: z.string().nullable(),
  recordedAt: z.string().nullable(),
  history: z.array(
    z.object({
      action: z.enum(['recorded', 'corrected']),
      at: z.string(),
      by: z.string().nullable(),
      depositedOn: z.string(),
      flowNumber: z.string(),
      previous: z.object({ depositedOn: z.string(), flowNumber: z.string() }).nullable(),
    }),
  ),
});

const toView = (found: ReturnType<typeof chorusDepositOf>): z.infer<typeof chorusDepositView> => ({
  documentType: found.document.type,
  documentId: found.document.id,
  number: found.document.number,
  status: found.status,
  depositedOn: found.deposit?.depositedOn ?? null,
  flowNumber: found.deposit?.flowNumber ?? null,
  recordedAt: found.deposit?.recordedAt ?? null,
  history: found.history,
});

const KINDS: { type: ChorusDocumentType; path: string; param: 'invoiceId' | 'creditNoteId'; what: string }[] = [
  { type: 'invoice', path: '/invoices/:invoiceId/chorus-pro-deposit', param: 'invoiceId', what: 'une facture ou un appel de fonds' },
  { type: 'credit_note', path: '/credit-notes/:creditNoteId/chorus-pro-deposit', param: 'creditNoteId', what: 'un avoir' },
];

/**
 * The Chorus Pro deposit of a document, entered by finance: Chorus Pro's API cannot be reached, so
 * the service records what the portal answered. PUT because the record is one per document and a
 * second PUT corrects it (each change is in the audit log, and in `history`).
 */
export const chorusProApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const kind of KINDS) {
    const params = z.object({ [kind.param]: id }) as z.ZodObject<Record<string, typeof id>>;
    r.get(
      kind.path,
      {
        config: allow('operator:*', 'buyer:*'),
        schema: { summary: `Dépôt sur Chorus Pro d’${kind.what} : état et historique`, tags: ['Finances'], params, response: { 200: chorusDepositView, ...errorResponses(401, 403, 404) } },
      },
      async (request) => toView(chorusDepositOf(app.db, requireActor(request), kind.type, String(request.params[kind.param]))),
    );
    r.put(
      kind.path,
      {
        config: allow('operator:finance', 'operator:admin'),
        schema: {
          summary: `Enregistrer (ou corriger) le dépôt sur Chorus Pro d’${kind.what}`,
          description:
            'Date du dépôt (ni future, ni antérieure à l’émission) et numéro de flux donné par Chorus Pro (CPP suivi de 22 chiffres). 201 au premier enregistrement, 200 pour une correction (ou le même dépôt renvoyé). Refusé (422 `chorus_pro_not_applicable`) pour un acheteur privé.',
          tags: ['Finances'],
          params,
          body: chorusDepositInput,
          response: { 200: chorusDepositView, 201: chorusDepositView, ...errorResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        const documentId = String(request.params[kind.param]);
        const { created } = recordChorusDeposit({ db: app.db, clock: app.clock, actor, type: kind.type, id: documentId, input: request.body });
        return reply.code(created ? 201 : 200).send(toView(chorusDepositOf(app.db, actor, kind.type, documentId)));
      },
    );
  }
};
