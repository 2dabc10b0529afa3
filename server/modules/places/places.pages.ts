import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, publicAccess, requireActor } from '../../plugins/auth.ts';
import { formatIban } from '../../shared/bank.ts';
import { DomainError } from '../../shared/problem.ts';
import { isOperator } from '../identity/actor.ts';
import { applicationErrorsToForm, readApplicationForm, readBankForm, readSiteForm, type ApplicationFormValues, type SiteFormValues } from './places.forms.ts';
import { BANK_STATUS_LABELS, PLACE_STATUS_LABELS, reasonInput } from './places.schemas.ts';
import * as placesService from './places.service.ts';
import { countRows, startPlacesImport } from './places.import-job.ts';
import { importPlaces, type ImportFormat } from './places.import.ts';
import { describeOpeningHours } from './opening-hours.ts';
import { PLACE_SERVICES } from './services.ts';
import { replyPlaceList } from './places.list.ts';
import { replySiteList, type SiteView } from './sites.list.ts';
import type { ListView } from '../../shared/list-view.ts';
import { placeHistory } from './places.repository.ts';
import { decisionReasonRequired, placeNotFound } from './places.errors.ts';
import type { FormErrors } from '../../shared/forms.ts';
import { isConfirmed, renderConfirmation, type ConfirmationPage } from '../../shared/confirmation.ts';
import { requireStepUp } from '../security/security.module.ts';

const hide = { hide: true };
const placeParams = z.object({ placeId: z.string().max(64) });
const siteParams = z.object({ siteId: z.string().max(64) });

const emptySite = (): SiteFormValues => ({ name: '', address: '', postalCode: '', communeCode: '', openingHours: '', services: [], free: false });

const ACTION_MESSAGES: Record<string, string> = {
  label: 'Lieu labellisé : il peut encaisser des pass.',
  reject: 'Candidature refusée.',
  suspend: 'Lieu suspendu : il ne peut plus encaisser de pass.',
  reinstate: 'Lieu rétabli.',
  'bank-validate': 'Coordonnées bancaires validées.',
  'bank-reject': 'Coordonnées bancaires refusées.',
  site: 'Lieu d’accueil enregistré.',
  rib: 'Nouvelles coordonnées bancaires enregistrées : elles seront utilisées après validation par les finances de l’opérateur.',
};

const AUDIT_LABELS: Record<string, string> = {
  'place.applied': 'Candidature déposée',
  'place.labelled': 'Labellisé',
  'place.rejected': 'Candidature refusée',
  'place.suspended': 'Suspendu',
  'place.reinstated': 'Rétabli',
  'place.bank_details_submitted': 'Coordonnées bancaires soumises',
  'place.bank_details_validated': 'Coordonnées bancaires validées',
  'place.bank_details_rejected': 'Coordonnées bancaires refusées',
  'place.bank_details_change_withdrawn': 'Changement de coordonnées bancaires retiré',
  'place.site_added': 'Lieu d’accueil ajouté',
  'place.site_updated': 'Lieu d’accueil modifié',
};

export const placesPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };
  const common = { services: PLACE_SERVICES, statusLabels: PLACE_STATUS_LABELS, bankStatusLabels: BANK_STATUS_LABELS, describeHours: describeOpeningHours };

  // --- Public application -------------------------------------------------------------------

  const renderApply = (reply: FastifyReply, data: { values: ApplicationFormValues; errors?: FormErrors; formError?: string }) =>
    reply.renderPage('pages/places/apply.eta', { title: 'Demander le label Pass numérique', ...common, ...data });

  app.get('/lieux/candidature', { schema: hide, config: publicAccess }, async (_request, reply) =>
    renderApply(reply, {
      values: { name: '', siret: '', legalRepresentative: '', contactEmail: '', accountHolder: '', iban: '', bic: '', site: emptySite() },
    }),
  );

  app.post('/lieux/candidature', { schema: hide, config: { ...publicAccess, rateLimit: { max: 20, timeWindow: '1 hour' } } }, async (request, reply) => {
    const { values, input, errors } = readApplicationForm((request.body ?? {}) as Record<string, unknown>);
    if (!input) return renderApply(reply.code(400), { values, errors, formError: 'Vérifiez les champs signalés.' });
    try {
      placesService.applyForLabel({ ...deps, operatorIban: app.config.operatorAccount.iban, input, actor: request.actor });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderApply(reply.code(error.status), { values, errors: error.errors ? applicationErrorsToForm(error.errors) : {}, formError: error.message });
    }
    return reply.redirect('/lieux/candidature/envoyee', 303);
  });

  app.get('/lieux/candidature/envoyee', { schema: hide, config: publicAccess }, async (_request, reply) =>
    reply.renderPage('pages/places/applied.eta', { title: 'Candidature envoyée' }),
  );

  // --- Operator review ------------------------------------------------------------------------

  app.get('/lieux', { schema: hide, config: allow('operator:*') }, async (request, reply) => {
    const actor = requireActor(request);
    return replyPlaceList(app.db, actor, request, reply, {
      title: 'Lieux',
      ...common,
      counts: placesService.countPlacesByStatus(app.db),
      canImport: actor.role === 'admin',
    });
  });

  const renderReview = (request: FastifyRequest, reply: FastifyReply, placeId: string, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const place = placesService.findPlaceFor(app.db, actor, placeId);
    if (!place) throw placeNotFound();
    const bank = placesService.bankAccountsForReview(app.db, actor, placeId);
    const history = placeHistory(app.db, place.id, 50);
    const query = request.query as { message?: string };
    return replySiteList(app.db, request, reply, { id: place.id, path: `/lieux/${place.id}` }, (sites, siteList) => reply.renderPage('pages/places/review.eta', {
      title: place.name,
      ...common,
      place,
      sites,
      siteList,
      fullIban: {
        validated: bank?.validated ? formatIban(bank.validated.iban) : null,
        pending: bank?.pending ? formatIban(bank.pending.iban) : null,
      },
      history: history.map((h) => ({ ...h, label: AUDIT_LABELS[h.action] ?? h.action, reason: (h.data as { reason?: string } | null)?.reason ?? null })),
      canDecide: isOperator(actor) && actor.role === 'admin',
      canValidateBank: isOperator(actor) && (actor.role === 'admin' || actor.role === 'finance'),
      success: ACTION_MESSAGES[query.message ?? ''],
      ...extra,
    }));
  };

  app.get('/lieux/:placeId', { schema: hide, config: allow('operator:*') }, async (request, reply) => {
    const { placeId } = placeParams.parse(request.params);
    return renderReview(request, reply, placeId);
  });

  const operatorAction = (
    segment: string,
    access: ReturnType<typeof allow>,
    run: (request: FastifyRequest, placeId: string) => void,
    confirm?: (place: NonNullable<ReturnType<typeof placesService.findPlaceFor>>) => ConfirmationPage,
  ) =>
    app.post(`/lieux/:placeId/${segment}`, { schema: hide, config: access }, async (request, reply) => {
      const { placeId } = placeParams.parse(request.params);
      if (confirm && !isConfirmed(request.body)) {
        const place = placesService.findPlaceFor(app.db, requireActor(request), placeId);
        if (!place) throw placeNotFound();
        // A suspension needs its reason before the recap: refuse in place, as the form would.
        if (segment === 'suspend' && !reasonInput.safeParse(request.body ?? {}).success) {
          return renderReview(request, reply.code(400), placeId, { formError: 'Indiquez le motif : il sera communiqué au lieu.' });
        }
        return renderConfirmation(request, reply, confirm(place));
      }
      try {
        run(request, placeId);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return renderReview(request, reply.code(error.status), placeId, { formError: error.message });
      }
      return reply.redirect(`/lieux/${placeId}?message=${segment}`, 303);
    });

  const reasonOf = (request: FastifyRequest): string => {
    const parsed = reasonInput.safeParse(request.body ?? {});
    if (!parsed.success) throw decisionReasonRequired();
    return parsed.data.reason;
  };
  const placeFacts = (place: { name: string; siret: string | null; sites: { name: string }[] }) => [
    { label: 'Lieu', value: place.name },
    { label: 'SIRET', value: place.siret ?? 'non renseigné' },
    { label: 'Lieux d’accueil', value: place.sites.map((s) => s.name).join(', ') || 'aucun' },
  ];
  /** Labelling and suspending change what a place may do at once: both are confirmed on a recap page. */
  const CONFIRMATIONS: Partial<Record<placesService.PlaceDecision, (place: NonNullable<ReturnType<typeof placesService.findPlaceFor>>) => ConfirmationPage>> = {
    label: (place) => ({
      title: `Labelliser ${place.name} ?`,
      facts: placeFacts(place),
      consequences: [
        'Le lieu pourra encaisser des pass dès maintenant, dans ses lieux d’accueil actifs.',
        'Il apparaîtra dans la liste publique des lieux qui acceptent le Pass numérique.',
        'Ses encaissements lui seront remboursés chaque mois, une fois ses coordonnées bancaires validées.',
      ],
      confirmLabel: 'Labelliser le lieu',
      cancelHref: `/lieux/${place.id}`,
    }),
    suspend: (place) => ({
      title: `Suspendre ${place.name} ?`,
      facts: placeFacts(place),
      consequences: [
        'Le lieu ne pourra plus encaisser de pass à partir de maintenant.',
        'Ses encaissements déjà faits restent dus et lui seront remboursés.',
        'Il disparaît de la liste publique des lieux jusqu’à sa réintégration.',
      ],
      confirmLabel: 'Suspendre le lieu',
      cancelHref: `/lieux/${place.id}`,
    }),
  };
  const decide = (decision: placesService.PlaceDecision, withReason: boolean) =>
    operatorAction(
      decision,
      allow('operator:admin'),
      (request, placeId) =>
        placesService.decideOnPlace({ ...deps, actor: requireActor(request), placeId, decision, reason: withReason ? reasonOf(request) : undefined }),
      CONFIRMATIONS[decision],
    );
  decide('label', false);
  decide('reject', true);
  decide('suspend', true);
  decide('reinstate', false);
  operatorAction('bank-validate', allow('operator:admin', 'operator:finance'), (request, placeId) =>
    placesService.validateBankDetails({ ...deps, actor: requireActor(request), placeId }),
  );
  operatorAction('bank-reject', allow('operator:admin', 'operator:finance'), (request, placeId) =>
    placesService.rejectBankDetails({ ...deps, actor: requireActor(request), placeId, reason: reasonOf(request) }),
  );

  // --- Import ---------------------------------------------------------------------------------

  const renderImport = (reply: FastifyReply, data: Record<string, unknown>) =>
    reply.renderPage('pages/places/import.eta', { title: 'Importer des lieux', scripts: ['/static/js/places-import.js'], ...data });

  app.get('/lieux/import', { schema: hide, config: allow('operator:admin') }, async (_request, reply) => renderImport(reply, {}));

  app.post('/lieux/import', { schema: hide, config: allow('operator:admin'), bodyLimit: 50 * 1024 * 1024 }, async (request, reply) => {
    const body = (request.body ?? {}) as { content?: string; format?: string };
    const content = typeof body.content === 'string' ? body.content : '';
    const format = body.format === 'mednum' || body.format === 'data-inclusion' ? (body.format as ImportFormat) : undefined;
    if (content.trim() === '') return renderImport(reply.code(400), { formError: 'Collez le contenu du fichier (CSV ou JSON) ou choisissez un fichier.', format: body.format });
    try {
      // A large file is imported by a job: its page shows the progress, then the counts.
      if (countRows(content) > (app.config.asyncImportRows ?? 1000)) {
        const { jobId } = startPlacesImport({ ...deps, actor: requireActor(request), content, format });
        void app.jobs.wake();
        return reply.redirect(`/travaux/${jobId}?retour=${encodeURIComponent('/lieux/import')}`, 303);
      }
      const report = importPlaces({ ...deps, actor: requireActor(request), content, format });
      return renderImport(reply, { report, format: body.format });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderImport(reply.code(error.status), { formError: error.message, content, format: body.format });
    }
  });

  // --- The place's own page -------------------------------------------------------------------

  const renderMine = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const place = placesService.findPlaceFor(app.db, actor, actor.organisationId);
    const query = request.query as { message?: string };
    const page = (sites: SiteView[] = [], siteList: ListView | null = null) => {
      // A site refused on saving is shown open with its errors, even when it is not on the page shown.
      const target = place?.sites.find((s) => s.id === extra.target && !sites.some((shown) => shown.id === s.id));
      return reply.renderPage('pages/places/mine.eta', {
        title: 'Mon lieu',
        ...common,
        place: place ?? null,
        sites,
        siteList,
        editableSites: target ? [...sites, target] : sites,
        canManage: actor.role === 'admin',
        newSite: emptySite(),
        success: ACTION_MESSAGES[query.message ?? ''],
        ...extra,
      });
    };
    return place ? replySiteList(app.db, request, reply, { id: place.id, path: '/mon-lieu' }, page) : page();
  };

  app.get('/mon-lieu', { schema: hide, config: allow('place:*') }, async (request, reply) => renderMine(request, reply));

  const mineAction = (url: string, run: (request: FastifyRequest) => { errors?: FormErrors; values?: unknown; target?: string } | void, message: string) =>
    app.post(url, { schema: hide, config: allow('place:admin') }, async (request, reply) => {
      try {
        const failed = run(request);
        if (failed?.errors) {
          return renderMine(request, reply.code(400), { formError: 'Vérifiez les champs signalés.', errors: failed.errors, values: failed.values, target: failed.target });
        }
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return renderMine(request, reply.code(error.status), { formError: error.message });
      }
      return reply.redirect(`/mon-lieu?message=${message}`, 303);
    });

  mineAction(
    '/mon-lieu/lieux-d-accueil',
    (request) => {
      const actor = requireActor(request);
      const { values, input, errors } = readSiteForm((request.body ?? {}) as Record<string, unknown>);
      if (!input) return { errors, values, target: 'new' };
      placesService.addSite({ ...deps, actor, placeId: actor.organisationId, input });
    },
    'site',
  );

  mineAction(
    '/mon-lieu/lieux-d-accueil/:siteId',
    (request) => {
      const actor = requireActor(request);
      const { siteId } = siteParams.parse(request.params);
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (body.action === 'fermer' || body.action === 'rouvrir') {
        placesService.updateSite({ ...deps, actor, placeId: actor.organisationId, siteId, input: { active: body.action === 'rouvrir' } });
        return;
      }
      const { values, input, errors } = readSiteForm(body);
      if (!input) return { errors, values, target: siteId };
      placesService.updateSite({ ...deps, actor, placeId: actor.organisationId, siteId, input });
    },
    'site',
  );

  mineAction(
    '/mon-lieu/coordonnees-bancaires',
    (request) => {
      const actor = requireActor(request);
      const { values, input, errors } = readBankForm((request.body ?? {}) as Record<string, unknown>);
      if (!input) return { errors, values, target: 'bank' };
      requireStepUp(app, request);
      placesService.submitBankDetails({ ...deps, operatorIban: app.config.operatorAccount.iban, actor, placeId: actor.organisationId, input });
    },
    'rib',
  );
};
