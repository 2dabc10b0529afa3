import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { invoiceNotFound, paymentFormInvalid } from './invoices.errors.ts';
import { parseEuros } from '../../shared/money.ts';
import { formFields } from '../../shared/forms.ts';
import { paymentInput } from './invoices.api.ts';
import * as invoicesService from './invoices.service.ts';
import { actorMatches } from '../identity/actor.ts';
import { archivePeriod } from './facturx-archive.ts';
import { startFacturxArchive } from './facturx-archive.job.ts';
import { replyInvoiceList } from './invoices.list.ts';

const hide = { hide: true };

export const invoicesPages: FastifyPluginAsync = async (app) => {
  // The list (search, filters with the Chorus Pro deposit, sort, pages, CSV) and, for finance, the Factur-X ZIP form.
  const renderList = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    return replyInvoiceList({ db: app.db, clock: app.clock }, actor, request, reply, {
      title: 'Factures',
      canArchive: actorMatches(actor, 'operator:finance') || actorMatches(actor, 'operator:admin'),
      archive: { values: {}, errors: {} },
      ...extra,
    });
  };

  app.get('/finances/factures', { schema: hide, config: allow('operator:*', 'buyer:*') }, async (request, reply) => renderList(request, reply));

  // The ZIP of a period's Factur-X files, built by a job: its page shows the progress, then the file.
  app.post('/finances/factures/archive', { schema: hide, config: allow('operator:finance', 'operator:admin') }, async (request, reply) => {
    const body: Record<string, string | undefined> = formFields(request.body);
    const values = { mois: (body.mois ?? '').trim(), du: body.du ?? '', au: body.au ?? '' };
    const parsed = archivePeriod.safeParse(values.mois || (!values.du && !values.au) ? { month: values.mois } : { from: values.du, to: values.au });
    const fieldOf = { month: 'mois', from: 'du', to: 'au' } as Record<string, string>;
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [fieldOf[String(i.path[0])] ?? 'mois', i.message]));
      return renderList(request, reply.code(400), { archive: { values, errors }, formError: 'ZIP non préparé : indiquez un mois (AAAA-MM) ou deux dates.' });
    }
    try {
      const jobId = startFacturxArchive({ db: app.db, clock: app.clock, actor: requireActor(request), period: parsed.data });
      void app.jobs.wake();
      return await reply.redirect(`/travaux/${jobId}?retour=${encodeURIComponent('/finances/factures')}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return renderList(request, reply.code(error.status), { archive: { values, errors: {} }, formError: error.message });
    }
  });

  // The payment form sits on the order page, one per invoice: its fields carry the invoice id.
  app.post('/finances/paiements', { schema: hide, config: allow('operator:finance', 'operator:admin') }, async (request, reply) => {
    const body: Record<string, string | undefined> = formFields(request.body);
    const invoiceId = body.invoiceId ?? '';
    const found = invoicesService.findInvoiceFor(app.db, requireActor(request), invoiceId);
    if (!found) throw invoiceNotFound();
    const parsed = paymentInput.safeParse({
      invoiceId,
      amountCents: parseEuros(body[`amountEuros-${invoiceId}`] ?? '') ?? Number.NaN,
      receivedOn: body[`receivedOn-${invoiceId}`] ?? '',
      reference: body[`reference-${invoiceId}`] ?? '',
    });
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ amountCents: 'montant', receivedOn: 'date de réception', reference: 'référence' })[String(i.path[0]) as 'amountCents'] ?? String(i.path[0]));
      throw paymentFormInvalid(fields);
    }
    invoicesService.recordPayment({ db: app.db, clock: app.clock, actor: requireActor(request), input: parsed.data });
    return reply.redirect(`/commandes/${found.order.id}?message=paiement`, 303);
  });
};
