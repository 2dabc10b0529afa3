import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BLOCK_REASONS, type BlockReason } from '../../../db/schema/distribution.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { DomainError } from '../../shared/problem.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import { orderToView } from '../order-records/order-views.ts';
import { listPublicCategories } from '../programs/public-categories.service.ts';
import { getTerritories, type Commune } from '../territories/territories.ts';
import * as repository from './distribution.repository.ts';
import * as stats from './distribution-stats.repository.ts';
import { blockedStockNotices } from '../oversight/end-of-validity.stock.ts';
import {
  AGE_BAND_LABELS,
  allotmentInput,
  BLOCK_REASON_LABELS,
  bookletSerial,
  distributionInput,
  MOVEMENT_KIND_LABELS,
  returnInput,
} from './distribution.schemas.ts';
import * as service from './distribution.service.ts';
import { countOf, plural } from '../../shared/plural.ts';
import { isConfirmed, renderConfirmation } from '../../shared/confirmation.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { handOutCommunes } from './hand-out-communes.ts';
import { replyDistributionList } from './distribution.list.ts';
import { handOutOfPrescriber } from './handouts.repository.ts';
import { bookletsToHandOut } from './prescriber-stock.repository.ts';
import { replyPrescriberStock, stockStatusLabel } from './prescriber-stock.list.ts';
import { DESIGNATIONS_PREFIX, designationsPage, replyDesignationsCsv } from './order-designations.list.ts';
import { MOVEMENTS_PREFIX, movementsPage, replyMovementsCsv } from './order-movements.list.ts';
import { publicChoices, readSelection, str } from './distribution.forms.ts';

const hide = { hide: true };
const orderParams = z.object({ orderId: z.string().max(64) });
const COMMUNE_CHOICES = 10;

const communeLabel = (c: Commune) => `${c.name} (${c.departement})${c.postalCodes.length ? ` — ${c.postalCodes.slice(0, 3).join(', ')}${c.postalCodes.length > 3 ? '…' : ''}` : ''}`;

export const distributionPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  const fail = (error: unknown) => {
    if (!(error instanceof DomainError) || error.status === 404) throw error;
    return error;
  };

  // --- Buyer (and operator): orders, prescribers, allotments ------------------------------------

  app.get('/distribution', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const actor = requireActor(request);
    return replyDistributionList({ db: app.db, clock: app.clock }, actor, request, reply, (items, list) => ({
      title: isOperator(actor) ? 'Distribution des carnets' : 'Prescripteurs et carnets',
      items,
      list,
      stats: list.total > 0 || list.narrowed ? stats.distributionStats(app.db, actor, null) : null,
      isOperator: isOperator(actor),
    }));
  });

  const renderOrder = (request: FastifyRequest, reply: FastifyReply, orderId: string, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const order = findOrderFor(app.db, actor, orderId);
    if (!order || order.status !== 'approved') throw orderNotFound();
    const listed = { id: order.id, path: `/distribution/commandes/${order.id}` };
    // Two lists on the page, each with its own parameters: paging one keeps the other where it is.
    const designationList = designationsPage(app.db, actor, listed, request.query, [MOVEMENTS_PREFIX]);
    const movementList = movementsPage(deps, actor, listed, request.query, [DESIGNATIONS_PREFIX]);
    const designations = designationList.all;
    const designated = new Set(designations.map((d) => d.prescriberId));
    const categories = new Map(listPublicCategories(app.db, { includeInactive: true }).map((c) => [c.code, c.label]));
    const query = request.query as { message?: string; n?: string };
    const n = Number(query.n ?? 0);
    const messages: Record<string, string> = {
      designe: 'Prescripteur désigné : vous pouvez lui confier des carnets.',
      retire: `Désignation retirée : ${countOf(n, 'carnet')} non ${plural(n, 'distribué')} ${plural(n, 'revenu')} dans votre stock.`,
      confie: `${countOf(n, 'carnet')} ${plural(n, 'confié')} au prescripteur.`,
      repris: `${countOf(n, 'carnet')} ${plural(n, 'revenu')} dans votre stock.`,
      bloque: 'Carnet bloqué : ses pass non encaissés ne peuvent plus être utilisés.',
    };
    return reply.renderPage('pages/distribution/order.eta', {
      title: `Distribution — commande ${order.reference}`,
      order: orderToView(order, ''),
      publicsLabel: order.publics ? order.publics.map((c) => categories.get(c) ?? c).join(', ') : 'Tous les publics',
      territoryLabel: getTerritories().describeTerritory(order.territory ?? null),
      designations,
      candidates: actor.organisationKind === 'buyer' ? repository.listPrescriberOrganisations(app.db, { limit: 500 }).filter((p) => !designated.has(p.id)) : [],
      stats: stats.distributionStats(app.db, actor, order.id),
      designationRows: designationList.items,
      designationList: designationList.list,
      movements: movementList.items,
      movementList: movementList.list,
      movementLabels: MOVEMENT_KIND_LABELS,
      reasonLabels: BLOCK_REASON_LABELS,
      reasons: BLOCK_REASONS.map((r) => ({ value: r, label: BLOCK_REASON_LABELS[r] })),
      canManage: actor.organisationKind === 'buyer',
      success: messages[query.message ?? ''],
      values: {},
      ...extra,
    });
  };

  app.get('/distribution/commandes/:orderId', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) =>
    renderOrder(request, reply, orderParams.parse(request.params).orderId),
  );

  // The whole of each list, as its search and filters narrow it, whatever page the page shows.
  for (const [file, replyCsv] of [
    ['prescripteurs.csv', replyDesignationsCsv],
    ['mouvements.csv', replyMovementsCsv],
  ] as const) {
    app.get(`/distribution/commandes/:orderId/${file}`, { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
      const actor = requireActor(request);
      const order = findOrderFor(app.db, actor, orderParams.parse(request.params).orderId);
      if (!order || order.status !== 'approved') throw orderNotFound();
      return replyCsv(app.db, actor, { id: order.id, path: `/distribution/commandes/${order.id}` }, request.query, reply);
    });
  }

  const orderAction = (
    segment: string,
    run: (actor: Actor, orderId: string, body: Record<string, unknown>) => { message: string; n?: number } | { errors: FormErrors; values: Record<string, string> },
  ) =>
    app.post(`/distribution/commandes/:orderId/${segment}`, { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
      const { orderId } = orderParams.parse(request.params);
      const body = (request.body ?? {}) as Record<string, unknown>;
      try {
        const result = run(requireActor(request), orderId, body);
        if ('errors' in result) {
          return renderOrder(request, reply.code(400), orderId, { formError: Object.values(result.errors)[0] ?? 'Vérifiez les champs.', values: { [segment]: result.values } });
        }
        return reply.redirect(`/distribution/commandes/${orderId}?message=${result.message}${result.n !== undefined ? `&n=${result.n}` : ''}`, 303);
      } catch (error) {
        const e = fail(error);
        return renderOrder(request, reply.code(e.status), orderId, { formError: e.message, values: { [segment]: readSelection(body).values } });
      }
    });

  orderAction('designer', (actor, orderId, body) => {
    const prescriberId = str(body, 'prescriberId');
    if (!prescriberId) return { errors: { prescriberId: 'Choisissez le prescripteur à désigner.' }, values: { prescriberId } };
    service.designatePrescriber({ ...deps, actor, orderId, prescriberId });
    return { message: 'designe' };
  });

  app.post('/distribution/commandes/:orderId/prescripteurs/:prescriberId/retirer', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const { orderId, prescriberId } = orderParams.extend({ prescriberId: z.string().max(64) }).parse(request.params);
    const result = service.revokePrescriber({ ...deps, actor: requireActor(request), orderId, prescriberId });
    return reply.redirect(`/distribution/commandes/${orderId}?message=retire&n=${result.returnedBooklets}`, 303);
  });

  for (const [segment, kind] of [
    ['confier', 'allot'],
    ['reprendre', 'return'],
  ] as const) {
    orderAction(segment, (actor, orderId, body) => {
      const { values, selection } = readSelection(body);
      const candidate = { orderId, prescriberId: values.prescriberId || undefined, ...selection };
      const parsed = kind === 'allot' ? allotmentInput.safeParse(candidate) : returnInput.safeParse(candidate);
      if (!parsed.success) {
        const errors = formErrors(parsed.error);
        if (errors.prescriberId) errors.prescriberId = 'Choisissez le prescripteur.';
        return { errors, values };
      }
      const result =
        kind === 'allot'
          ? service.allotBooklets({ ...deps, actor, input: parsed.data as z.infer<typeof allotmentInput> })
          : service.returnBooklets({ ...deps, actor, input: parsed.data });
      return { message: kind === 'allot' ? 'confie' : 'repris', n: result.bookletCount };
    });
  }

  /** Blocking from the buyer's order page or the prescriber's stock page; back to where it came from. */
  app.post('/distribution/bloquer', { schema: hide, config: allow('buyer:*', 'prescriber:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const orderId = str(body, 'orderId');
    const back = actor.organisationKind === 'prescriber' ? '/mon-stock' : `/distribution/commandes/${encodeURIComponent(orderId)}`;
    const serial = bookletSerial.safeParse(str(body, 'serial'));
    const reason = str(body, 'reason') as BlockReason;
    const again = (status: number, formError: string) =>
      actor.organisationKind === 'prescriber'
        ? renderStock(request, reply.code(status), { formError, blockValues: { serial: str(body, 'serial'), reason } })
        : renderOrder(request, reply.code(status), orderId, { formError, values: { bloquer: { serial: str(body, 'serial'), reason } } });
    if (!serial.success) return again(400, 'Indiquez le numéro du carnet à bloquer, par exemple CD31-2026-000001.');
    if (!BLOCK_REASONS.includes(reason)) return again(400, 'Choisissez le motif du blocage.');
    if (!isConfirmed(body)) {
      return renderConfirmation(request, reply, {
        title: `Bloquer le carnet ${serial.data} ?`,
        facts: [
          { label: 'Carnet', value: serial.data },
          { label: 'Motif', value: BLOCK_REASON_LABELS[reason] ?? reason },
        ],
        consequences: [
          'Les pass de ce carnet qui n’ont pas encore été utilisés seront refusés dans tous les lieux, à partir de maintenant.',
          'Les pass déjà utilisés restent remboursés aux lieux.',
          'Un carnet bloqué ne peut pas être débloqué.',
        ],
        confirmLabel: 'Bloquer le carnet',
        cancelHref: back,
        irreversible: true,
      });
    }
    try {
      service.blockBooklet({ ...deps, actor, serial: serial.data, reason });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return again(error.status, error.message);
    }
    return reply.redirect(`${back}?message=bloque`, 303);
  });

  // --- Prescriber: stock and distribution form ------------------------------------------------

  const renderStock = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const labels = new Map(listPublicCategories(app.db, { includeInactive: true }).map((c) => [c.code, c.label]));
    const query = request.query as { message?: string; n?: string };
    const messages: Record<string, string> = {
      rendu: `${countOf(Number(query.n ?? 0), 'carnet')} ${plural(Number(query.n ?? 0), 'rendu')} au commanditaire.`,
      bloque: 'Carnet bloqué : ses pass non encaissés ne peuvent plus être utilisés.',
    };
    const designatedOrders = repository.listPrescriberOrders(app.db, actor.organisationId);
    // The J-15 notices count every booklet still held, whatever page of the list is shown.
    const endOfValidity = blockedStockNotices(app.db, designatedOrders, bookletsToHandOut(app.db, actor));
    const blockedOrders = new Set(endOfValidity.map((n) => n.orderId));
    return replyPrescriberStock(app.db, actor, request, reply, blockedOrders, (stock, list) => ({
      title: 'Mon stock de carnets',
      orders: designatedOrders,
      stock: stock.map((b) => ({ ...b, statusLabel: stockStatusLabel(b, blockedOrders) })),
      list,
      endOfValidity,
      blockedOrders,
      distributions: repository
        .listDistributions(app.db, actor, { limit: 50 })
        .slice(0, 50)
        .map((d) => ({ ...d, publicLabel: d.publicCategory ? (labels.get(d.publicCategory) ?? d.publicCategory) : '', ageBandLabel: d.ageBand ? AGE_BAND_LABELS[d.ageBand] : '—' })),
      reasons: BLOCK_REASONS.map((r) => ({ value: r, label: BLOCK_REASON_LABELS[r] })),
      success: messages[query.message ?? ''],
      returnValues: {},
      blockValues: {},
      ...extra,
    }));
  };

  app.get('/mon-stock', { schema: hide, config: allow('prescriber:*') }, async (request, reply) => renderStock(request, reply));

  app.post('/mon-stock/rendre', { schema: hide, config: allow('prescriber:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { values, selection } = readSelection(body);
    const parsed = returnInput.safeParse({ orderId: str(body, 'orderId'), ...selection });
    if (!parsed.success) {
      const errors = formErrors(parsed.error);
      return renderStock(request, reply.code(400), { formError: errors.orderId ? 'Choisissez la commande.' : (Object.values(errors)[0] ?? ''), returnValues: { ...values, orderId: str(body, 'orderId') } });
    }
    try {
      const result = service.returnBooklets({ ...deps, actor, input: parsed.data });
      return reply.redirect(`/mon-stock?message=rendu&n=${result.bookletCount}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderStock(request, reply.code(error.status), { formError: error.message, returnValues: { ...values, orderId: str(body, 'orderId') } });
    }
  });

  interface DistributeValues {
    bookletSerial: string;
    publicCategory: string;
    communeQuery: string;
    communeCode: string;
    ageBand: string;
  }

  const renderDistribute = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { values: DistributeValues; errors?: FormErrors; formError?: string; communes?: Commune[]; done?: unknown },
  ) => {
    const actor = requireActor(request);
    const { categories, held } = publicChoices(app.db, actor.organisationId);
    // The chosen commune stays listed (and checked) when the form comes back.
    const chosen = data.values.communeCode ? getTerritories().commune(data.values.communeCode) : undefined;
    const communes = data.communes ?? (chosen ? [chosen] : []);
    const restrictions = held
      .filter((o) => o.order.publics !== null || o.order.territory !== null)
      .map((o) => ({
        reference: o.order.reference,
        territory: getTerritories().describeTerritory(o.order.territory ?? null),
      }));
    return reply.renderPage('pages/distribution/distribute.eta', {
      title: 'Distribuer un carnet',
      categories,
      heldTotal: held.reduce((sum, o) => sum + o.held, 0),
      restrictions,
      ageBands: Object.entries(AGE_BAND_LABELS).map(([value, label]) => ({ value, label })),
      communeChoices: communes.map((c) => ({ code: c.code, label: communeLabel(c) })),
      searched: data.communes !== undefined,
      scripts: ['/static/js/distribution-form.js'],
      ...data,
    });
  };

  app.get('/distribuer', { schema: hide, config: allow('prescriber:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const query = request.query as { carnet?: string; distribue?: string };
    let done: unknown;
    if (typeof query.distribue === 'string' && query.distribue.length <= 64) {
      const row = handOutOfPrescriber(app.db, actor.organisationId, query.distribue);
      if (row) {
        const commune = getTerritories().commune(row.communeCode);
        done = { serial: row.serial, passCount: row.passCount, active: row.fundedAt !== null, communeName: commune?.name ?? row.communeCode };
      }
    }
    const carnet = typeof query.carnet === 'string' ? bookletSerial.safeParse(query.carnet) : undefined;
    return renderDistribute(request, reply, {
      values: { bookletSerial: carnet?.success ? carnet.data : '', publicCategory: '', communeQuery: '', communeCode: '', ageBand: '' },
      done,
    });
  });

  app.post('/distribuer', { schema: hide, config: allow('prescriber:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values: DistributeValues = {
      bookletSerial: str(body, 'bookletSerial'),
      publicCategory: str(body, 'publicCategory'),
      communeQuery: str(body, 'communeQuery').slice(0, 100),
      communeCode: str(body, 'communeCode'),
      ageBand: str(body, 'ageBand'),
    };
    const query = values.communeQuery.trim();
    // Without JavaScript the commune is found in a search step: the form comes back with the matches to choose from.
    if (body.action === 'rechercher' || (!values.communeCode && query)) {
      // Only the communes where this booklet's passes are valid, when the serial is one of the prescriber's.
      const found = query.length >= 2 ? handOutCommunes(app.db, actor, query, values.bookletSerial || undefined, COMMUNE_CHOICES) : [];
      const direct = body.action !== 'rechercher' && found.length === 1 ? found[0] : undefined;
      if (!direct) {
        const error =
          found.length === 0
            ? {
                communeQuery:
                  query.length < 2
                    ? 'Tapez au moins 2 caractères du nom ou le code postal.'
                    : values.bookletSerial
                      ? `Aucune commune du territoire de ce carnet ne correspond à « ${query} » : ses pass ne sont valables que là.`
                      : `Aucune commune ne correspond à « ${query} ».`,
              }
            : body.action !== 'rechercher'
              ? { communeQuery: 'Plusieurs communes correspondent : choisissez-la dans la liste.' }
              : undefined;
        const keep = found.some((c) => c.code === values.communeCode) ? values.communeCode : '';
        return renderDistribute(request, reply.code(error ? 400 : 200), { values: { ...values, communeCode: keep }, communes: found, errors: error });
      }
      values.communeCode = direct.code;
    }
    const parsed = distributionInput.safeParse({
      bookletSerial: values.bookletSerial,
      publicCategory: values.publicCategory,
      communeCode: values.communeCode,
      ageBand: values.ageBand || undefined,
    });
    if (!parsed.success) {
      const errors = formErrors(parsed.error);
      if (errors.communeCode) errors.communeQuery = 'Choisissez la commune de résidence du bénéficiaire.';
      if (errors.publicCategory) errors.publicCategory = 'Choisissez le public du bénéficiaire.';
      return renderDistribute(request, reply.code(400), { values, errors, formError: 'Vérifiez les champs signalés.' });
    }
    try {
      const result = service.distributeBooklet({ ...deps, actor, input: parsed.data });
      return reply.redirect(`/distribuer?distribue=${result.id}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = { booklet_not_in_your_stock: 'bookletSerial', booklet_already_distributed: 'bookletSerial', public_not_eligible: 'publicCategory', territory_not_eligible: 'communeQuery' }[error.code];
      return renderDistribute(request, reply.code(error.status), {
        values: { ...values, bookletSerial: parsed.data.bookletSerial },
        formError: error.message,
        errors: field ? { [field]: error.message } : undefined,
      });
    }
  });
};
