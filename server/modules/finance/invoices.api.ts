import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { EXPORT_PAGE_SIZE, sendAllPagesCsv, wantsCsv } from '../../shared/list-reply.ts';
import { invoiceNotFound } from './invoices.errors.ts';
import { boundedText, calendarDate, errorResponses, id, listOf } from '../../shared/schemas.ts';
import { renderInvoicePdf } from '../../../templates/pdf/invoice.ts';
import { buildFacturXml } from './factur-x.ts';
import { invoiceDocument } from './invoice-print.ts';
import * as invoicesService from './invoices.service.ts';
import { INVOICE_FIGURE_COLUMNS } from './invoices.list.ts';

export const invoiceView = z.object({
  id: z.string(),
  number: z.string(),
  orderId: z.string(),
  orderReference: z.string(),
  party: z.enum(['buyer', 'state']),
  buyerId: z.string(),
  programId: z.string().nullable(),
  passValueCents: z.number().int(),
  feeCents: z.number().int(),
  vatCents: z.number().int(),
  totalCents: z.number().int(),
  paidCents: z.number().int(),
  status: z.enum(['unpaid', 'partially_paid', 'paid']),
  issuedOn: z.string(),
  dueOn: z.string(),
});

const paymentView = z.object({
  id: z.string(),
  invoiceId: z.string(),
  amountCents: z.number().int(),
  receivedOn: z.string(),
  reference: z.string(),
  createdAt: z.string(),
});

export const paymentInput = z.object({
  invoiceId: id,
  amountCents: z.number().int('montant en centimes entiers attendu').positive('montant positif attendu').max(100_000_000_000),
  receivedOn: calendarDate,
  reference: boundedText(140),
});

export const invoicesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/invoices',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Factures (toutes pour l’opérateur, les siennes pour un commanditaire)',
        description: 'Accepte `Accept: text/csv`.',
        tags: ['Finances'],
        querystring: z.object({ orderId: id.optional(), limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(40).optional() }),
        response: { 200: listOf(invoiceView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { orderId, limit, cursor } = request.query;
      const actor = requireActor(request);
      const readPage = (afterNumber: string | undefined, pageSize = limit) => {
        const rows = invoicesService.listInvoices(app.db, actor, { orderId, limit: pageSize, afterNumber });
        const items = rows.slice(0, pageSize).map((row) => invoicesService.invoiceToView(row.invoice, row.orderReference));
        return { items, nextCursor: rows.length > pageSize ? (items[items.length - 1]?.number ?? null) : null };
      };
      if (wantsCsv(request)) {
        // Every invoice, page after page: an export never stops at the first page.
        return sendAllPagesCsv(reply, 'factures.csv', (c) => readPage(c, EXPORT_PAGE_SIZE), [
          { header: 'Numéro', value: (i) => i.number },
          { header: 'Commande', value: (i) => i.orderReference },
          ...INVOICE_FIGURE_COLUMNS,
        ]);
      }
      return readPage(cursor);
    },
  );

  r.get(
    '/invoices/:invoiceId',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Une facture et ses paiements',
        tags: ['Finances'],
        params: z.object({ invoiceId: id }),
        response: { 200: invoiceView.extend({ payments: z.array(paymentView) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const found = invoicesService.findInvoiceFor(app.db, actor, request.params.invoiceId);
      if (!found) throw invoiceNotFound();
      return { ...invoicesService.invoiceToView(found.invoice, found.order.reference), payments: invoicesService.listPayments(app.db, actor, found.invoice.id) };
    },
  );

  r.get(
    '/invoices/:invoiceId.pdf',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Une facture en PDF',
        tags: ['Finances'],
        params: z.object({ invoiceId: id }),
        produces: ['application/pdf'],
        response: { 200: z.any().describe('Document PDF'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const found = invoicesService.findInvoiceFor(app.db, requireActor(request), request.params.invoiceId);
      if (!found) throw invoiceNotFound();
      const data = invoiceDocument(app.db, found, { operatorIban: app.config.operatorAccount.iban });
      reply.type('application/pdf').header('content-disposition', `inline; filename="${found.invoice.number}.pdf"`);
      return reply.send(await renderInvoicePdf(data));
    },
  );

  r.get(
    '/invoices/:invoiceId/factur-x.xml',
    {
      config: allow('operator:*', 'buyer:*'),
      schema: {
        summary: 'Une facture au format Factur-X (XML CII, profil EN 16931), celui joint à son PDF',
        tags: ['Finances'],
        params: z.object({ invoiceId: id }),
        produces: ['application/xml'],
        response: { 200: z.any().describe('XML CrossIndustryInvoice D16B'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const found = invoicesService.findInvoiceFor(app.db, requireActor(request), request.params.invoiceId);
      if (!found) throw invoiceNotFound();
      const xml = buildFacturXml(invoiceDocument(app.db, found, { operatorIban: app.config.operatorAccount.iban }));
      return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${found.invoice.number}.xml"`).send(xml);
    },
  );

  r.post(
    '/payments',
    {
      config: { ...allow('operator:finance', 'operator:admin'), idempotent: true },
      schema: {
        summary: 'Enregistrer un paiement reçu sur une facture (partiel possible, jamais au-delà du reste dû)',
        description: 'Accepte l’en-tête Idempotency-Key.',
        tags: ['Finances'],
        body: paymentInput,
        response: { 201: paymentView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const payment = invoicesService.recordPayment({ db: app.db, clock: app.clock, actor: requireActor(request), input: request.body });
      return reply.code(201).send(payment);
    },
  );
};
