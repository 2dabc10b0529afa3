import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INVOICE_PARTIES } from '../../../db/schema/orders.ts';
import { renderInvoicePdf } from '../../../templates/pdf/invoice.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { euroCell } from '../../shared/csv.ts';
import { sendCsv, wantsCsv } from '../../shared/list-reply.ts';
import { creditNoteNotFound } from './invoices.errors.ts';
import { errorResponses, id, listOf } from '../../shared/schemas.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import { creditNoteDocument } from './invoice-print.ts';
import { expireOrder } from './expiry.service.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { findCreditNoteFor, listCreditNotes } from './credit-notes.repository.ts';

const creditNoteView = z.object({
  id: z.string(),
  number: z.string(),
  orderId: z.string(),
  orderReference: z.string(),
  buyerId: z.string(),
  party: z.enum(INVOICE_PARTIES).describe('Destinataire : le commanditaire, ou l’État (payeur du programme)'),
  correctsInvoiceId: z.string().nullable().describe('La facture ou l’appel de fonds que l’avoir corrige (BT-25)'),
  passCount: z.number().int(),
  totalCents: z.number().int(),
  buyerShareCents: z.number().int(),
  stateShareCents: z.number().int(),
  issuedOn: z.string(),
});

function toCreditNoteView({ note, orderReference }: ReturnType<typeof listCreditNotes>[number]): z.infer<typeof creditNoteView> {
  return {
    id: note.id,
    number: note.number,
    orderId: note.orderId,
    orderReference,
    buyerId: note.buyerId,
    party: note.party,
    correctsInvoiceId: note.correctsInvoiceId,
    passCount: note.passCount,
    totalCents: note.totalCents,
    buyerShareCents: note.buyerShareCents,
    stateShareCents: note.stateShareCents,
    issuedOn: note.issuedOn,
  };
}

export const creditNotesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/orders/:orderId/expire',
    {
      config: { ...allow('operator:admin', 'operator:finance'), idempotent: true },
      schema: {
        summary: 'Fin de validité : expirer les pass non utilisés et émettre un avoir par partie facturée',
        description:
          'Possible après la fin de validité et le délai de grâce. Un avoir au commanditaire pour sa part (citant sa facture), un avoir à l’État pour la sienne (citant l’appel de fonds), qui la restitue à l’enveloppe du programme. `creditNote` est celui du commanditaire (ou de l’État s’il a tout payé). Sans effet si tout est déjà expiré (idempotent).',
        tags: ['Finances'],
        params: z.object({ orderId: id }),
        response: {
          200: z.object({
            expiredPassCount: z.number().int(),
            creditNote: creditNoteView.omit({ orderReference: true }).nullable(),
            creditNotes: z.array(creditNoteView.omit({ orderReference: true })),
          }),
          ...errorResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const order = findOrderFor(app.db, actor, request.params.orderId);
      if (!order) throw orderNotFound();
      const result = expireOrder({ db: app.db, clock: app.clock, actor, orderId: order.id, gracePeriodDays: app.config.gracePeriodDays });
      // The same view as the list, without the order's reference (the caller named the order).
      const view = (note: NonNullable<typeof result.creditNote>) => (({ orderReference: _reference, ...rest }) => rest)(toCreditNoteView({ note, orderReference: '' }));
      return {
        expiredPassCount: result.expiredPassCount,
        creditNote: result.creditNote ? view(result.creditNote) : null,
        creditNotes: result.creditNotes.map(view),
      };
    },
  );

  r.get(
    '/credit-notes',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Avoirs (tous pour l’opérateur, les siens pour un commanditaire)',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Finances'],
        querystring: z.object({ orderId: id.optional() }),
        response: { 200: listOf(creditNoteView), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const items = listCreditNotes(app.db, requireActor(request), { orderId: request.query.orderId }).map(toCreditNoteView);
      if (wantsCsv(request)) {
        return sendCsv(reply, 'avoirs.csv', items, [
          { header: 'Numéro', value: (n) => n.number },
          { header: 'Destinataire', value: (n) => (n.party === 'state' ? 'État' : 'Commanditaire') },
          { header: 'Commande', value: (n) => n.orderReference },
          { header: 'Émis le', value: (n) => n.issuedOn },
          { header: 'Pass expirés', value: (n) => n.passCount },
          { header: 'Montant (€)', value: (n) => euroCell(n.totalCents) },
          { header: 'Part commanditaire (€)', value: (n) => euroCell(n.buyerShareCents) },
          { header: 'Part État (€)', value: (n) => euroCell(n.stateShareCents) },
        ]);
      }
      return { items, nextCursor: null };
    },
  );

  r.get(
    '/credit-notes/:creditNoteId.pdf',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Un avoir en PDF',
        tags: ['Finances'],
        params: z.object({ creditNoteId: id }),
        produces: ['application/pdf'],
        response: { 200: z.any().describe('Document PDF'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const found = findCreditNoteFor(app.db, actor, request.params.creditNoteId);
      if (!found) throw creditNoteNotFound();
      reply.type('application/pdf').header('content-disposition', `inline; filename="${found.note.number}.pdf"`);
      return reply.send(await renderInvoicePdf(creditNoteDocument(app.db, found)));
    },
  );
};
