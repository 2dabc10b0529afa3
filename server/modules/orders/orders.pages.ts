import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { mandateNumberMissing } from './orders.errors.ts';
import type { FormErrors } from '../../shared/forms.ts';
import { addMonths, parisDate } from '../../shared/paris-time.ts';
import { operatorFeeBasisPoints } from '../../shared/settings.repository.ts';
import { isOperator } from '../identity/actor.ts';
import { invoiceToView, listInvoices, listPayments } from '../finance/invoices.service.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { listPrograms } from '../programs/programs.repository.ts';
import { PLACE_SERVICES } from '../places/services.ts';
import { findOrganisation } from '../accounts/accounts.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import { readOrderForm, serviceErrorsToForm, type OrderFormValues } from './orders.forms.ts';
import { pickerView, type TerritoryMatch } from '../territories/territory-search.ts';
import { ORDER_STATUS_LABELS, mandateInput } from './orders.schemas.ts';
import * as ordersService from './orders.service.ts';
import { printSummary } from '../booklets/booklets.service.ts';
import { isConfirmed, renderConfirmation, type ConfirmationPage } from '../../shared/confirmation.ts';
import { countOf } from '../../shared/plural.ts';
import { formatEuros } from '../../shared/money.ts';
import { findPendingJob } from '../jobs/jobs.repository.ts';
import { percentDone } from '../jobs/jobs.schemas.ts';
import { ORDER_ISSUANCE_JOB } from './approval.job.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { PAYMENT_ARRANGEMENT_LABELS, describePaymentArrangement } from '../order-records/payment-arrangement.ts';
import { printFileStates } from '../booklets/print-file.job.ts';
import { replyOrderList } from './orders.list.ts';

const hide = { hide: true };
const orderParams = z.object({ orderId: z.string().max(64) });

const CAPPED_LABELS = {
  envelope: 'plafonnée par ce qui reste de l’enveloppe du programme',
  buyer_cap: 'plafonnée par le plafond par commanditaire du programme',
} as const;

export const ordersPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  app.get('/commandes', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const actor = requireActor(request);
    return replyOrderList(deps, actor, request, reply, { title: 'Commandes', canOrder: actor.organisationKind === 'buyer' });
  });

  type NewOrderData = { values: OrderFormValues; errors?: FormErrors; quote?: unknown; formError?: string; territoryResults?: TerritoryMatch[]; territorySearched?: boolean };
  const renderNewOrder = (request: FastifyRequest, reply: FastifyReply, { territoryResults, territorySearched, ...data }: NewOrderData) => {
    const actor = requireActor(request);
    const programs = listPrograms(app.db, { limit: 100, status: 'open' });
    return reply.renderPage('pages/orders/new.eta', {
      title: 'Nouvelle commande',
      publicCategories: listPublicCategories(app.db),
      services: PLACE_SERVICES,
      programs,
      feeBasisPoints: operatorFeeBasisPoints(app.db, app.config),
      cappedLabels: CAPPED_LABELS,
      arrangementOptions: Object.entries(PAYMENT_ARRANGEMENT_LABELS).map(([value, label]) => ({ value, label })),
      scripts: ['/static/js/order-quote.js', '/static/js/territory-picker.js'],
      buyerName: actor.organisationName,
      territoryPicker: { ...pickerView(getTerritories(), data.values.territories, territoryResults ?? []), searched: territorySearched ?? false },
      ...data,
    });
  };

  app.get('/commandes/nouvelle', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const org = findOrganisation(app.db, actor, actor.organisationId)!;
    const today = parisDate(app.clock.now());
    const commune = org.communeCode ? getTerritories().commune(org.communeCode) : undefined;
    const programs = listPrograms(app.db, { limit: 1, status: 'open' });
    return renderNewOrder(request, reply, {
      values: {
        bookletCount: '',
        passesPerBooklet: '10',
        faceValueEuros: '10,00',
        validFrom: today,
        validUntil: addMonths(today, 12),
        publics: [],
        // A département (a commune) orders for its own territory by default: the usual case, easy to change.
        territories:
          org.buyerType === 'departement' && commune
            ? [`departements:${commune.departement}`]
            : org.buyerType === 'commune' && commune
              ? [`communes:${commune.code}`]
              : [],
        territoryQuery: '',
        cofinancingProgramId: programs[0]?.id ?? '',
        chorusServiceCode: '',
        engagementNumber: '',
      },
    });
  });

  app.post('/commandes/nouvelle', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { values, input, errors, step, territoryResults } = readOrderForm(body);
    // The picker's search step without JavaScript: the same form again, every field as typed, with the matches to tick.
    if (step) return renderNewOrder(request, reply, { values, territoryResults: step.kind === 'search' ? step.results : [], territorySearched: step.kind === 'search' });
    if (!input) return renderNewOrder(request, reply.code(400), { values, errors, territoryResults, formError: 'Vérifiez les champs signalés.' });
    const feeBasisPoints = operatorFeeBasisPoints(app.db, app.config);
    try {
      // Only the "Envoyer la commande" button orders: Enter in a field presses the form's first button, which must not send it.
      if (body.action !== 'commander') {
        const quote = ordersService.quoteOrder({ ...deps, actor, input, feeBasisPoints });
        return renderNewOrder(request, reply, { values, quote });
      }
      const order = ordersService.submitOrder({ ...deps, actor, input, feeBasisPoints });
      return reply.redirect(`/commandes/${order.id}?message=soumise`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderNewOrder(request, reply.code(error.status), {
        values,
        errors: error.errors ? serviceErrorsToForm(error.errors) : {},
        formError: error.message,
      });
    }
  });

  const renderOrder = (request: FastifyRequest, reply: FastifyReply, orderId: string, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const order = ordersService.findOrderFor(app.db, actor, orderId);
    if (!order) throw orderNotFound();
    const view = ordersService.orderToView(order, ordersService.buyerNameOf(app.db, order.buyerId));
    const invoices = listInvoices(app.db, actor, { orderId, limit: 10 }).map((row) => ({
      ...invoiceToView(row.invoice, row.orderReference),
      payments: listPayments(app.db, actor, row.invoice.id),
    }));
    const categories = new Map(listPublicCategories(app.db, { includeInactive: true }).map((c) => [c.code, c.label]));
    const query = request.query as { message?: string };
    const messages: Record<string, string> = {
      soumise: 'Commande envoyée : l’opérateur va l’examiner.',
      approuvee: 'Commande approuvée : factures émises et écriture passée au journal.',
      annulee: 'Commande annulée.',
      mandat: 'Numéro de mandat enregistré.',
      paiement: 'Paiement enregistré.',
      bat: 'Bon à tirer validé : le fichier d’impression est disponible.',
      'fichier-impression': 'Le fichier d’impression est en préparation : suivez sa progression ci-dessous, il restera disponible jusqu’à son téléchargement.',
      emission: 'Commande approuvée : factures émises et écriture passée au journal. Les carnets sont en cours d’émission.',
      presentation: 'Présentation enregistrée : une nouvelle version du BAT est prête.',
      'bat-refuse': 'BAT refusé : modifiez la présentation pour produire une nouvelle version.',
    };
    const problems: Record<string, string> = {
      'refus-incomplet': 'BAT non refusé : dites ce qui doit changer (1 000 caractères au maximum).',
    };
    // A large order's booklets are issued by a job after approval: its progress, and a page that refreshes itself meanwhile.
    const job = findPendingJob(app.db, ORDER_ISSUANCE_JOB, orderId);
    const issuance = job ? { jobId: job.id, done: job.progressDone, total: job.progressTotal, percent: percentDone(job) } : null;
    const print = issuance ? null : printSummary(app.db, actor, order);
    // Above PRINT_JOB_BOOKLETS booklets, the print files are prepared by jobs (print-file.job.ts).
    const printFiles = print && print.bookletCount > (app.config.printJobBooklets ?? 1000) ? printFileStates(app.db, actor, orderId) : null;
    const printPending = printFiles?.some((f) => f.status === 'queued' || f.status === 'running') ?? false;
    const following = Boolean(issuance) || printPending;
    return reply.renderPage('pages/orders/show.eta', {
      title: `Commande ${order.reference}`,
      order: view,
      statusLabels: ORDER_STATUS_LABELS,
      publicsLabels: view.publics ? view.publics.map((code) => categories.get(code) ?? code) : null,
      territoryLabel: getTerritories().describeTerritory(view.territory),
      paymentArrangement: order.paymentArrangement ? describePaymentArrangement(order.paymentArrangement) : null,
      invoices,
      canApprove: isOperator(actor) && actor.role === 'admin' && order.status === 'submitted',
      canCancel: order.status === 'submitted' && (actor.organisationKind === 'buyer' || (isOperator(actor) && actor.role === 'admin')),
      canRecordMandate: order.status !== 'cancelled' && !order.mandateNumber && (actor.organisationKind === 'buyer' || isOperator(actor)),
      canRecordPayment: isOperator(actor) && (actor.role === 'finance' || actor.role === 'admin'),
      today: parisDate(app.clock.now()),
      print,
      printFiles,
      issuance,
      refreshSeconds: following ? 3 : undefined,
      scripts: following ? ['/static/js/job-progress.js'] : undefined,
      success: messages[query.message ?? ''],
      formError: problems[query.message ?? ''],
      ...extra,
    });
  };

  app.get('/commandes/:orderId', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) =>
    renderOrder(request, reply, orderParams.parse(request.params).orderId),
  );

  const action = (
    segment: string,
    access: ReturnType<typeof allow>,
    run: (request: FastifyRequest, orderId: string) => void,
    message: string,
    confirm?: (request: FastifyRequest, orderId: string) => ConfirmationPage,
  ) =>
    app.post(`/commandes/:orderId/${segment}`, { schema: hide, config: access }, async (request, reply) => {
      const { orderId } = orderParams.parse(request.params);
      if (confirm && !isConfirmed(request.body)) return renderConfirmation(request, reply, confirm(request, orderId));
      try {
        run(request, orderId);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return renderOrder(request, reply.code(error.status), orderId, { formError: error.message });
      }
      return reply.redirect(`/commandes/${orderId}?message=${message}`, 303);
    });

  /** The order as the recap pages show it; another organisation's order is a 404 here as everywhere. */
  const orderFacts = (request: FastifyRequest, orderId: string) => {
    const order = ordersService.findOrderFor(app.db, requireActor(request), orderId);
    if (!order) throw orderNotFound();
    const view = ordersService.orderToView(order, ordersService.buyerNameOf(app.db, order.buyerId));
    const passes = view.bookletCount * view.passesPerBooklet;
    const facts = [
      { label: 'Commande', value: view.reference },
      { label: 'Commanditaire', value: view.buyerName },
      { label: 'Carnets', value: `${countOf(view.bookletCount, 'carnet')} de ${countOf(view.passesPerBooklet, 'pass', 'pass')} à ${formatEuros(view.faceValueCents)}, soit ${countOf(passes, 'pass', 'pass')}` },
      { label: 'Montant des pass', value: formatEuros(view.totalCents) },
      { label: 'Part de l’État', value: formatEuros(view.stateShareCents) },
      { label: 'Part du commanditaire', value: formatEuros(view.buyerShareCents) },
    ];
    return { view, passes, facts };
  };
  const approvalRecap = (request: FastifyRequest, orderId: string): ConfirmationPage => {
    const { view, passes, facts } = orderFacts(request, orderId);
    return {
      title: `Approuver la commande ${view.reference} ?`,
      facts,
      consequences: [
        view.stateShareCents > 0
          ? `La part de l’État, ${formatEuros(view.stateShareCents)}, est engagée sur l’enveloppe du programme de cofinancement, et un appel de fonds lui est adressé.`
          : 'Aucune part de l’État : la commande n’est pas cofinancée.',
        `Une facture de ${formatEuros(view.buyerShareCents + view.feeCents + view.vatCents)} est émise au nom de ${view.buyerName}, avec un numéro définitif.`,
        `${countOf(view.bookletCount, 'carnet')} et ${countOf(passes, 'pass', 'pass')} sont émis ; ils ne pourront être utilisés qu’une fois la commande financée.`,
        'L’écriture est passée au journal comptable. Pour une grande commande, les carnets sont émis en arrière-plan et la page de la commande montre la progression.',
      ],
      confirmLabel: 'Approuver la commande',
      cancelHref: `/commandes/${orderId}`,
      irreversible: true,
    };
  };
  app.post('/commandes/:orderId/approuver', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    if (!isConfirmed(request.body)) return renderConfirmation(request, reply, approvalRecap(request, orderId));
    let approved;
    try {
      approved = ordersService.approveOrder({ ...deps, actor: requireActor(request), orderId, codes: app.passCodes, asyncAbovePasses: app.config.asyncApprovalPasses });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return renderOrder(request, reply.code(error.status), orderId, { formError: error.message });
    }
    if (approved.issuanceJobId) void app.jobs.wake();
    return reply.redirect(`/commandes/${orderId}?message=${approved.issuanceJobId ? 'emission' : 'approuvee'}`, 303);
  });
  action('annuler', allow('buyer:*', 'operator:admin'), (request, orderId) => ordersService.cancelOrder({ ...deps, actor: requireActor(request), orderId }), 'annulee', (request, orderId) => {
    const { view, facts } = orderFacts(request, orderId);
    return {
      title: `Annuler la commande ${view.reference} ?`,
      facts,
      consequences: ['La commande ne pourra plus être approuvée : rien n’a encore été facturé ni engagé.', 'Pour commander de nouveau, il faudra créer une nouvelle commande.'],
      confirmLabel: 'Annuler la commande',
      cancelHref: `/commandes/${orderId}`,
      irreversible: true,
    };
  });
  action(
    'mandat',
    allow('buyer:*', 'operator:*'),
    (request, orderId) => {
      const parsed = mandateInput.safeParse(request.body ?? {});
      if (!parsed.success) throw mandateNumberMissing();
      ordersService.recordMandate({ ...deps, actor: requireActor(request), orderId, mandateNumber: parsed.data.mandateNumber });
    },
    'mandat',
  );
};
