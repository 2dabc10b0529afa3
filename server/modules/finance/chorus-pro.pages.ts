import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChorusDocumentType } from '../../../db/schema/chorus-pro.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formFields } from '../../shared/forms.ts';
import { DomainError } from '../../shared/problem.ts';
import { creditNoteNotFound, invoiceNotFound } from './invoices.errors.ts';
import { actorMatches } from '../identity/actor.ts';
import { CHORUS_FLOW_EXAMPLE, CHORUS_STATUS_LABELS, chorusDepositInput } from './chorus-pro.ts';
import { chorusDepositOf, recordChorusDeposit } from './chorus-pro.service.ts';
import { findCreditNoteFor } from './credit-notes.repository.ts';
import { findInvoiceFor } from './invoices.service.ts';

const hide = { hide: true };
const params = z.object({ documentId: z.string().max(64) });
const FIELD_LABELS = { depositedOn: 'date de dépôt', flowNumber: 'numéro de flux' } as const;

/** What the detail page shows of the document itself, beside its Chorus Pro deposit. */
function documentFacts(request: FastifyRequest, app: Parameters<FastifyPluginAsync>[0], type: ChorusDocumentType, id: string) {
  const actor = requireActor(request);
  if (type === 'invoice') {
    const found = findInvoiceFor(app.db, actor, id);
    if (!found) throw invoiceNotFound();
    const { invoice, order, buyer } = found;
    const title = invoice.party === 'state' ? 'Appel de fonds' : 'Facture';
    return {
      title: `${title} ${invoice.number}`,
      back: { href: '/finances/factures', label: 'Factures' },
      order,
      recipient: invoice.party === 'state' ? 'État (cofinancement)' : buyer.name,
      issuedOn: invoice.issuedOn,
      totalCents: invoice.totalCents,
      links: [
        { href: `/api/v1/invoices/${invoice.id}.pdf`, label: 'PDF (Factur-X)' },
        { href: `/api/v1/invoices/${invoice.id}/factur-x.xml`, label: 'XML Factur-X' },
      ],
    };
  }
  const found = findCreditNoteFor(app.db, actor, id);
  if (!found) throw creditNoteNotFound();
  return {
    title: `Avoir ${found.note.number}`,
    back: { href: '/finances/avoirs', label: 'Avoirs' },
    order: found.order,
    recipient: found.buyer.name,
    issuedOn: found.note.issuedOn,
    totalCents: found.note.totalCents,
    links: [{ href: `/api/v1/credit-notes/${found.note.id}.pdf`, label: 'PDF (Factur-X)' }],
  };
}

/**
 * Detail pages of an invoice (or call for funds) and of a credit note, with their Chorus Pro
 * deposit: finance records "déposé le …, n° de flux …" there and corrects it; the history of
 * recordings comes from the audit log.
 */
export const chorusProPages: FastifyPluginAsync = async (app) => {
  const kinds: { type: ChorusDocumentType; base: string }[] = [
    { type: 'invoice', base: '/finances/factures' },
    { type: 'credit_note', base: '/finances/avoirs' },
  ];
  for (const { type, base } of kinds) {
    const render = (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
      const actor = requireActor(request);
      const facts = documentFacts(request, app, type, id);
      const chorus = chorusDepositOf(app.db, actor, type, id);
      return reply.renderPage('pages/finance/chorus-document.eta', {
        ...facts,
        chorus,
        statusLabels: CHORUS_STATUS_LABELS,
        flowExample: CHORUS_FLOW_EXAMPLE,
        action: `${base}/${id}/chorus-pro`,
        canRecord: actorMatches(actor, 'operator:finance') || actorMatches(actor, 'operator:admin'),
        values: { depositedOn: chorus.deposit?.depositedOn ?? '', flowNumber: chorus.deposit?.flowNumber ?? '' },
        errors: {},
        success: (request.query as { message?: string }).message === 'depot' ? 'Dépôt sur Chorus Pro enregistré.' : undefined,
        ...extra,
      });
    };

    app.get(`${base}/:documentId`, { schema: hide, config: allow('operator:*', 'buyer:*') }, async (request, reply) => render(request, reply, params.parse(request.params).documentId));

    app.post(`${base}/:documentId/chorus-pro`, { schema: hide, config: allow('operator:finance', 'operator:admin') }, async (request, reply) => {
      const { documentId } = params.parse(request.params);
      const body: Record<string, string | undefined> = formFields(request.body);
      const values = { depositedOn: body.depositedOn ?? '', flowNumber: body.flowNumber ?? '' };
      const parsed = chorusDepositInput.safeParse(values);
      if (!parsed.success) {
        const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
        const fields = Object.keys(errors).map((f) => FIELD_LABELS[f as keyof typeof FIELD_LABELS] ?? f);
        return render(request, reply.code(400), documentId, { values, errors, formError: `Dépôt non enregistré : vérifiez ${fields.join(', ')}.` });
      }
      try {
        recordChorusDeposit({ db: app.db, clock: app.clock, actor: requireActor(request), type, id: documentId, input: parsed.data });
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        const errors = Object.fromEntries((error.errors ?? []).map((e) => [e.path, e.message]));
        return render(request, reply.code(error.status), documentId, { values, errors, formError: error.message });
      }
      return reply.redirect(`${base}/${documentId}?message=depot`, 303);
    });
  }
};
