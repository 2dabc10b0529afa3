import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formatEuros } from '../../shared/money.ts';
import { formatFrenchDate, formatFrenchDateTime } from '../../shared/paris-time.ts';
import { DomainError } from '../../shared/problem.ts';
import { findPlaceFor } from '../places/places.service.ts';
import { PLACE_SERVICES } from '../places/services.ts';
import { underLookupThrottle, type PassLookupThrottle } from './lookup-guard.ts';
import type { CheckView, RedemptionView } from './redemption.schemas.ts';
import * as redemptionService from './redemption.service.ts';
import { isConfirmed, renderConfirmation } from '../../shared/confirmation.ts';
import { rememberUsualSite, usualSite } from './usual-site.ts';
import { replyPlaceRedemptionList } from './redemption.list.ts';
import { passCodeRequired, redemptionNotFound } from './redemption.errors.ts';

const hide = { hide: true };

/**
 * The headline of each verdict, in the words of a counter agent. The scan page's script gets the
 * same table (data attribute), so a verdict reads the same with or without JavaScript.
 */
export const VERDICT_TITLES: Record<string, string> = {
  pass_not_found: 'Pass introuvable',
  pass_blocked: 'Pass bloqué',
  pass_already_redeemed: 'Pass déjà utilisé',
  pass_not_distributed: 'Pass pas encore activé',
  pass_not_valid_yet: 'Pass pas encore valable',
  pass_expired: 'Pass expiré',
  place_not_labelled: 'Encaissement impossible',
  place_outside_territory: 'Pass non valable ici',
  too_many_pass_lookups: 'Trop de codes inconnus',
  site_required: 'Choisissez le lieu d’accueil',
  site_not_found: 'Lieu d’accueil inconnu',
  place_has_no_site: 'Aucun lieu d’accueil',
  validation_failed: 'Code à compléter',
  idempotency_request_in_progress: 'Encaissement en cours',
};

export interface Verdict {
  kind: 'accepted' | 'valid' | 'refused';
  title: string;
  detail: string;
  redemptionId?: string;
}

export function acceptedVerdict(r: Pick<RedemptionView, 'id' | 'amountCents' | 'code' | 'siteName' | 'redeemedAt'>): Verdict {
  return {
    kind: 'accepted',
    title: `Pass accepté — ${formatEuros(r.amountCents)}`,
    detail: `Pass ${r.code} encaissé le ${formatFrenchDateTime(r.redeemedAt)} (${r.siteName}). En cas d’erreur, vous pouvez annuler cet encaissement pendant 24 heures.`,
    redemptionId: r.id,
  };
}

export function checkVerdict(c: CheckView): Verdict {
  if (c.redeemable) {
    return {
      kind: 'valid',
      title: `Pass valable — ${formatEuros(c.faceValueCents)}`,
      // The paper says the validity end; the grace period after it is the platform's, said apart so the two never look contradictory.
      detail:
        c.lastAcceptedDay === c.validUntil
          ? `Rien n’a été encaissé. Ce pass est valable jusqu’au ${formatFrenchDate(c.validUntil)}.`
          : `Rien n’a été encaissé. Ce pass est valable jusqu’au ${formatFrenchDate(c.validUntil)} (date imprimée), avec un délai de grâce jusqu’au ${formatFrenchDate(c.lastAcceptedDay)}.`,
    };
  }
  return { kind: 'refused', title: VERDICT_TITLES[c.reason ?? ''] ?? 'Pass refusé', detail: c.message };
}

export function refusedVerdict(error: DomainError): Verdict {
  return { kind: 'refused', title: VERDICT_TITLES[error.code] ?? 'Pass refusé', detail: error.message };
}

const formBody = z.object({
  code: z.string().max(200).optional(),
  siteId: z.string().max(64).optional(),
  service: z.string().max(200).optional(),
  action: z.string().max(20).optional(),
});

export const redemptionPages: FastifyPluginAsync<{ throttle: PassLookupThrottle }> = async (app, { throttle }) => {
  const deps = { db: app.db, clock: app.clock, codes: app.passCodes, gracePeriodDays: app.config.gracePeriodDays };

  const renderScan = (request: FastifyRequest, reply: FastifyReply, data: { verdict?: Verdict; values?: { code?: string; siteId?: string; service?: string } } = {}) => {
    const actor = requireActor(request);
    const place = findPlaceFor(app.db, actor, actor.organisationId);
    const sites = (place?.sites ?? []).filter((s) => s.active);
    // The site the agent chose last time, unless this form already says which.
    const values = { ...data.values, siteId: data.values?.siteId || usualSite(request, actor, sites.map((s) => s.id)) };
    return reply.renderPage('pages/redemption/scan.eta', {
      title: 'Encaisser un pass',
      place,
      sites,
      services: PLACE_SERVICES,
      titlesJson: JSON.stringify(VERDICT_TITLES),
      scripts: ['/static/js/scan.js'],
      values,
      verdict: data.verdict ?? null,
    });
  };

  app.get('/encaisser', { schema: hide, config: allow('place:*') }, async (request, reply) => {
    const query = request.query as { message?: string };
    const verdict: Verdict | undefined =
      query.message === 'annule' ? { kind: 'valid', title: 'Encaissement annulé', detail: 'Le pass est de nouveau utilisable.' } : undefined;
    return renderScan(request, reply, { verdict });
  });

  // Without JavaScript the form posts here; the script calls the JSON API instead. Same services, same verdicts.
  app.post('/encaisser', { schema: hide, config: allow('place:*') }, async (request, reply) => {
    const actor = requireActor(request);
    const body = formBody.parse(request.body ?? {});
    const values = { siteId: body.siteId, service: body.service };
    const siteId = body.siteId || undefined;
    const service = PLACE_SERVICES.find((s) => s === body.service);
    try {
      if (!body.code?.trim()) throw passCodeRequired();
      const who = { userId: actor.userId, ip: request.ip };
      if (body.action === 'tester') {
        const check = underLookupThrottle(throttle, who, () => redemptionService.checkPass({ ...deps, actor, code: body.code!, siteId }));
        return renderScan(request, reply, { verdict: checkVerdict(check), values: { ...values, code: body.code } });
      }
      const code = body.code;
      const redemption = await underLookupThrottle(throttle, who, () =>
        app.groupCommit.run(() => redemptionService.redeemPass({ ...deps, actor, code, siteId, service })),
      );
      rememberUsualSite(reply, actor, redemption.siteId, app.config.secureCookies);
      return renderScan(request, reply, { verdict: acceptedVerdict(redemption), values: { ...values, siteId: redemption.siteId } });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.headers) reply.headers(error.headers);
      return renderScan(request, reply.code(error.status), { verdict: refusedVerdict(error), values: { ...values, code: body.code } });
    }
  });

  app.post('/encaisser/annuler/:redemptionId', { schema: hide, config: allow('place:*') }, async (request, reply) => {
    const { redemptionId } = z.object({ redemptionId: z.string().max(64) }).parse(request.params);
    const fromList = (request.body as { retour?: string } | undefined)?.retour === 'liste';
    const back = fromList ? '/mon-lieu/encaissements?message=annule' : '/encaisser?message=annule';
    if (!isConfirmed(request.body)) {
      const redemption = redemptionService.findRedemptionFor(app.db, app.clock, requireActor(request), redemptionId);
      if (!redemption) throw redemptionNotFound();
      return renderConfirmation(request, reply, {
        title: 'Annuler cet encaissement ?',
        facts: [
          { label: 'Pass', value: redemption.code },
          { label: 'Encaissé le', value: formatFrenchDateTime(redemption.redeemedAt) },
          { label: 'Lieu d’accueil', value: redemption.siteName },
          { label: 'Montant', value: formatEuros(redemption.amountCents) },
        ],
        consequences: [
          'Le pass redevient utilisable : la personne pourra le présenter de nouveau.',
          `Ce montant de ${formatEuros(redemption.amountCents)} ne vous sera pas remboursé pour cet encaissement.`,
        ],
        confirmLabel: 'Annuler l’encaissement',
        cancelHref: fromList ? '/mon-lieu/encaissements' : '/encaisser',
      });
    }
    try {
      redemptionService.cancelRedemption({ db: app.db, clock: app.clock, actor: requireActor(request), redemptionId });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return renderScan(request, reply.code(error.status), { verdict: { kind: 'refused', title: 'Annulation impossible', detail: error.message } });
    }
    return reply.redirect(back, 303);
  });

  app.get('/mon-lieu/encaissements', { schema: hide, config: allow('place:*') }, async (request, reply) =>
    replyPlaceRedemptionList({ db: app.db, clock: app.clock }, requireActor(request), request, reply),
  );
};
