import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { bookletSearchQuery } from './booklet-detail.schemas.ts';
import { bookletRecord, findBookletSerial } from './booklet-detail.service.ts';

const hide = { hide: true };
const serialParams = z.object({ serial: z.string().max(200) });
const ACCESS = allow('buyer:*', 'operator:*', 'prescriber:*');

/** Who sees which booklets, in the words of the search page. */
const SCOPE_HINTS = {
  operator: 'Tous les carnets de toutes les commandes.',
  buyer: 'Les carnets de vos commandes.',
  prescriber: 'Les carnets qui vous ont été confiés.',
} as const;

export const bookletDetailPages: FastifyPluginAsync = async (app) => {
  // The search: a serial found goes to its page; otherwise the form again, with the serial kept and a 404.
  app.get('/carnets', { schema: hide, config: ACCESS }, async (request, reply) => {
    const actor = requireActor(request);
    const query = bookletSearchQuery.safeParse(request.query ?? {});
    const search = (query.success ? (query.data.serie ?? '') : '').trim();
    const page = { title: 'Rechercher un carnet', search, scopeHint: SCOPE_HINTS[actor.organisationKind as keyof typeof SCOPE_HINTS] ?? '' };
    if (search === '') return reply.renderPage('pages/booklets/search.eta', page);
    const serial = findBookletSerial({ db: app.db, actor, search });
    if (serial) return reply.redirect(`/carnets/${encodeURIComponent(serial)}`, 303);
    return reply.code(404).renderPage('pages/booklets/search.eta', {
      ...page,
      notFound: `Aucun carnet n° ${search} parmi ceux que vous pouvez consulter. Vérifiez le numéro imprimé sous le QR code de la couverture (par exemple CD31-2026-000001).`,
    });
  });

  app.get('/carnets/:serial', { schema: hide, config: ACCESS }, async (request, reply) => {
    const actor = requireActor(request);
    const { serial } = serialParams.parse(request.params);
    const record = bookletRecord({ db: app.db, actor, serial, gracePeriodDays: app.config.gracePeriodDays });
    // A lowercase or undashed serial in the address: the page lives at the printed one.
    if (record.serial !== serial) return reply.redirect(`/carnets/${encodeURIComponent(record.serial)}`, 301);
    reply.header('cache-control', 'no-store');
    return reply.renderPage('pages/booklets/record.eta', {
      title: `Carnet ${record.serial}`,
      // The full codes stay out of the page: a code is a bearer voucher.
      booklet: { ...record, passes: record.passes.map(({ code: _code, ...pass }) => pass) },
      seesOrders: actor.organisationKind !== 'prescriber',
    });
  });
};
