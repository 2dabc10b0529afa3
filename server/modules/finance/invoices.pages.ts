import type { FastifyPluginAsync } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { parseEuros } from '../../shared/money.ts';
import { formFields } from '../../shared/forms.ts';
import { paymentInput } from './invoices.api.ts';
import * as invoicesService from './invoices.service.ts';
import { replyInvoiceList } from './invoices.list.ts';

const hide = { hide: true };

export const invoicesPages: FastifyPluginAsync = async (app) => {
  app.get('/finances/factures', { schema: hide, config: allow('operator:*', 'buyer:*') }, async (request, reply) =>
    replyInvoiceList({ db: app.db, clock: app.clock }, requireActor(request), request, reply, { title: 'Factures' }),
  );

  // The payment form sits on the order page, one per invoice: its fields carry the invoice id.
  app.post('/finances/paiements', { schema: hide, config: allow('operator:finance', 'operator:admin') }, async (request, reply) => {
    const body: Record<string, string | undefined> = formFields(request.body);
    const invoiceId = body.invoiceId ?? '';
    const found = invoicesService.findInvoiceFor(app.db, requireActor(request), invoiceId);
    if (!found) throw new DomainError(404, 'invoice_not_found', 'Facture introuvable.');
    const parsed = paymentInput.safeParse({
      invoiceId,
      amountCents: parseEuros(body[`amountEuros-${invoiceId}`] ?? '') ?? Number.NaN,
      receivedOn: body[`receivedOn-${invoiceId}`] ?? '',
      reference: body[`reference-${invoiceId}`] ?? '',
    });
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ amountCents: 'montant', receivedOn: 'date de réception', reference: 'référence' })[String(i.path[0]) as 'amountCents'] ?? String(i.path[0]));
      throw new DomainError(400, 'validation_failed', `Paiement non enregistré : vérifiez ${[...new Set(fields)].join(', ')}.`);
    }
    invoicesService.recordPayment({ db: app.db, clock: app.clock, actor: requireActor(request), input: parsed.data });
    return reply.redirect(`/commandes/${found.order.id}?message=paiement`, 303);
  });
};
