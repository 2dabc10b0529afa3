import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, publicAccess, requireActor } from '../../plugins/auth.ts';
import { DomainError } from '../../shared/problem.ts';
import { formatEuros } from '../../shared/money.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import { usableSites } from '../places/places.nearby.ts';
import * as bookletsService from './booklets.service.ts';
import { formatPassCode } from './pass-code.ts';
import { isSpecimenCode } from './specimen.ts';
import { designPages } from './design.pages.ts';
import { sendProofReminders } from './proof-reminders.ts';
import { countOf, plural } from '../../shared/plural.ts';
import { proofRejectionInput } from './print-settings.schemas.ts';
import * as printSettingsService from './print-settings.service.ts';
import { HOLDER_MESSAGES } from './redeemability.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';
import { startPrintFileJob } from './print-file.job.ts';
import { PRINT_PROFILES } from '../../../templates/pdf/print-profile.ts';
import { replyOrderBookletList } from './booklets.list.ts';

const hide = { hide: true };
const orderParams = z.object({ orderId: z.string().max(64) });
const codeParams = z.object({ code: z.string().max(100) });

export const bookletsPages: FastifyPluginAsync = async (app) => {
  // The public page has its own per-IP throttle: its callers are anonymous, so only the address counts.
  const lookup = bookletsService.passLookup({ db: app.db, clock: app.clock, codes: app.passCodes, gracePeriodDays: app.config.gracePeriodDays });

  app.get('/commandes/:orderId/carnets', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const { orderId } = orderParams.parse(request.params);
    const order = findOrderFor(app.db, actor, orderId);
    if (!order) throw orderNotFound();
    // The search by serial (exact, any case, spaces or dashes): found in this order, its page; not found, the list with a 404.
    const search = String((request.query as { serie?: unknown }).serie ?? '').trim().slice(0, 200);
    const found = search ? bookletsService.findSerialInOrder({ db: app.db, actor, orderId, search }) : undefined;
    if (found) return reply.redirect(`/carnets/${encodeURIComponent(found)}`, 303);
    return replyOrderBookletList(app.db, actor, order, request, reply.code(search ? 404 : 200), {
      title: `Carnets de la commande ${order.reference}`,
      order,
      search,
      searchError: search ? `Aucun carnet n° ${search} dans la commande ${order.reference}.` : undefined,
    });
  });

  app.post('/commandes/:orderId/bat', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    bookletsService.acceptPrintProof({ db: app.db, clock: app.clock, actor: requireActor(request), orderId });
    return reply.redirect(`/commandes/${orderId}?message=bat#impression`, 303);
  });

  // A large print file (over PRINT_JOB_BOOKLETS booklets) is prepared by a job; the order page shows its progress, then the download.
  app.post('/commandes/:orderId/fichier-impression', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const { profil } = z.object({ profil: z.enum(PRINT_PROFILES).default('bureau') }).parse(request.body ?? {});
    const actor = requireActor(request);
    const job = bookletsService.orderPrintJob({ db: app.db, actor, orderId, publicUrl: app.config.publicUrl, profile: profil });
    startPrintFileJob({ db: app.db, clock: app.clock, actor, orderId, profile: profil, publicUrl: app.config.publicUrl, total: job.bookletCount });
    void app.jobs.wake();
    return reply.redirect(`/commandes/${orderId}?message=fichier-impression#impression`, 303);
  });

  // The buyer's design of its booklets (form, logo upload, preview) has its own page and plugin.
  await app.register(designPages);
  // Once a day: buyers whose proof has waited more than 6 days get one reminder mail.
  app.scheduler.register({
    name: 'proof-reminders',
    cron: '0 9 * * *',
    run: () => {
      const n = sendProofReminders({ db: app.db, clock: app.clock });
      return `${countOf(n, 'rappel')} de BAT ${plural(n, 'envoyé')}`;
    },
  });

  app.post('/commandes/:orderId/bat/refus', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const parsed = proofRejectionInput.safeParse(request.body ?? {});
    if (!parsed.success) return reply.redirect(`/commandes/${orderId}?message=refus-incomplet#impression`, 303);
    printSettingsService.rejectProof({ db: app.db, clock: app.clock, actor: requireActor(request), orderId, comment: parsed.data.comment });
    return reply.redirect(`/commandes/${orderId}?message=bat-refuse#impression`, 303);
  });

  /**
   * What someone holding a pass (or a place without an account) sees after scanning its QR code.
   * It says whether the pass can be used and until when; nothing about who received it.
   */
  const passPage = async (request: FastifyRequest, reply: FastifyReply) => {
    const { code } = codeParams.parse(request.params);
    // Codes in URLs must not end up in search engines or shared caches.
    reply.header('x-robots-tag', 'noindex, nofollow').header('cache-control', 'no-store');
    if (isSpecimenCode(code)) return reply.renderPage('pages/booklets/pass.eta', { title: 'Spécimen de pass', pass: null, specimen: true });
    try {
      const pass = lookup({ userId: null, ip: request.ip }, code);
      // The visitor may say where they are (name or postal code): we never use where the pass was handed out.
      const near = String((request.query as { commune?: unknown }).commune ?? '').trim().slice(0, 100);
      const reference = near.length >= 2 ? getTerritories().searchCommunes(near, 1)[0] : undefined;
      return reply.renderPage('pages/booklets/pass.eta', {
        title: 'Votre pass numérique',
        near,
        reference: reference ? { code: reference.code, name: reference.name } : null,
        sites: usableSites(app.db, { territory: pass.territory, nearCommuneCode: reference?.code ?? null, limit: 20 }),
        pass: {
          code: formatPassCode(pass.code),
          faceValue: formatEuros(pass.faceValueCents),
          validFrom: pass.validFrom,
          validUntil: pass.validUntil,
          redeemable: pass.redeemable,
          message: pass.reason ? HOLDER_MESSAGES[pass.reason] : null,
          territory: getTerritories().describeTerritory(pass.territory),
          allowedServices: pass.allowedServices,
        },
      });
    } catch (error) {
      if (!(error instanceof DomainError) || (error.status !== 404 && error.status !== 429)) throw error;
      if (error.headers) reply.headers(error.headers);
      return reply.code(error.status).renderPage('pages/booklets/pass.eta', { title: 'Pass introuvable', pass: null, problem: error.message });
    }
  };
  app.get('/p/:code', { schema: hide, config: publicAccess }, passPage);
  // QR codes encode the URL in upper case (smaller symbol): /P/ answers like /p/.
  app.get('/P/:code', { schema: hide, config: publicAccess }, passPage);
  // The booklet's cover QR code (/c/{serial}) is served by the public module.
};
