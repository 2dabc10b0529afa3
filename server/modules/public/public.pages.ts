import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOperator } from '../identity/actor.ts';
import { publicAccess } from '../../plugins/auth.ts';
import { PLACE_SERVICES } from '../places/services.ts';
import { ACCESSIBILITY_OPTIONS, directoryQuery } from './public.schemas.ts';
import { bookletHolderFacts } from './public.repository.ts';
import * as publicService from './public.service.ts';

const hide = { hide: true };
const GEOLOCATION_SCRIPT = '/static/js/directory-geolocation.js';
const serviceOptions = PLACE_SERVICES.map((s) => ({ value: s, label: s }));
const accessibilityOptions = ACCESSIBILITY_OPTIONS.map((a) => ({ value: a, label: a }));

/** The query string of a directory page with another cursor: pagination links keep the search. */
function pageHref(base: string, query: Record<string, unknown>, cursor: string | null): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === 'cursor' || key === 'limit' || value === undefined || value === '' || value === false) continue;
    params.set(key, value === true ? 'on' : String(value));
  }
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

export const publicPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  // Visitors without an account land on what the Pass is and where to use it; users on their dashboard.
  app.get('/', { schema: hide, config: publicAccess }, async (request, reply) => {
    if (request.actor) return reply.redirect('/tableau-de-bord', 303);
    return reply.renderPage('pages/public/home.eta', { title: 'Accueil' });
  });

  app.get('/lieux-labellises', { schema: hide, config: { ...publicAccess, rateLimit: { max: 300, timeWindow: '1 minute' } } }, async (request, reply) => {
    const raw = (request.query ?? {}) as Record<string, unknown>;
    const parsed = directoryQuery.safeParse(raw);
    const values = { q: typeof raw.q === 'string' ? raw.q.slice(0, 100) : '', ...(parsed.success ? parsed.data : {}) };
    const query = parsed.success ? parsed.data : directoryQuery.parse({ q: values.q.trim() });
    const result = publicService.searchDirectory({ ...deps, query });
    return reply.code(parsed.success ? 200 : 400).renderPage('pages/public/directory.eta', {
      title: 'Lieux labellisés',
      values,
      result,
      problem: parsed.success ? null : 'Un des critères de recherche n’est pas compris : il a été ignoré.',
      serviceOptions,
      accessibilityOptions,
      nextHref: result.nextCursor ? pageHref('/lieux-labellises', query, result.nextCursor) : null,
      firstHref: query.cursor ? pageHref('/lieux-labellises', query, null) : null,
      scripts: [GEOLOCATION_SCRIPT],
    });
  });

  app.get('/lieux-labellises/:siteId', { schema: hide, config: publicAccess }, async (request, reply) => {
    const { siteId } = z.object({ siteId: z.string().max(64) }).parse(request.params);
    const place = publicService.publicSite({ ...deps, siteId });
    return reply.renderPage('pages/public/place.eta', { title: place.name, place });
  });

  /**
   * The booklet's cover QR code and printed address. Anyone gets the public page of the booklet;
   * a prescriber is sent to the distribution form with the serial filled in, and the buyer or the
   * operator to the order's booklets, as before.
   */
  const bookletPage = async (request: FastifyRequest, reply: FastifyReply) => {
    const serial = z.string().trim().toUpperCase().max(40).parse((request.params as { serial?: string }).serial ?? '');
    const actor = request.actor;
    if (actor?.organisationKind === 'prescriber') return reply.redirect(`/distribuer?carnet=${encodeURIComponent(serial)}`, 303);
    if (actor) {
      const booklet = bookletHolderFacts(app.db, serial);
      if (booklet && (isOperator(actor) || booklet.buyerId === actor.organisationId)) return reply.redirect(`/commandes/${booklet.orderId}/carnets`, 303);
    }
    const query = (request.query ?? {}) as Record<string, unknown>;
    const near = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
    const point = z.object({ lat: z.coerce.number().min(-90).max(90), lon: z.coerce.number().min(-180).max(180) }).safeParse(query);
    const view = publicService.bookletPublicPage({
      ...deps,
      gracePeriodDays: app.config.gracePeriodDays,
      serial,
      near,
      point: point.success ? point.data : undefined,
    });
    reply.header('x-robots-tag', 'noindex, nofollow');
    return reply.renderPage('pages/public/booklet.eta', {
      title: 'Votre carnet Pass numérique',
      view,
      values: { q: near, ...(point.success ? point.data : {}) },
      scripts: [GEOLOCATION_SCRIPT],
    });
  };
  app.get('/c/:serial', { schema: hide, config: publicAccess }, bookletPage);
  // The cover QR code encodes the URL in upper case (smaller symbol).
  app.get('/C/:serial', { schema: hide, config: publicAccess }, bookletPage);
};
