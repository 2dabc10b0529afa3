import fp from 'fastify-plugin';
import fastifyView from '@fastify/view';
import fastifyStatic from '@fastify/static';
import { Eta } from 'eta';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../modules/identity/actor.ts';
import { KIND_LABELS, ROLE_LABELS } from '../modules/accounts/accounts.schemas.ts';
import { navigationFor } from './navigation.ts';
import { csrfTokenFor } from './auth.ts';
import { formatEuros } from '../shared/money.ts';
import { formatFrenchDate, formatFrenchDateTime } from '../shared/paris-time.ts';
import { labelTableCells } from '../shared/table-labels.ts';
import { countOf, plural } from '../shared/plural.ts';
import { frenchMonth, ofFrenchMonth } from '../shared/paris-time.ts';
import { shownCount } from '../shared/small-cells.ts';
import { getTerritories } from '../modules/territories/territories.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const TEMPLATES_DIR = join(here, '..', '..', 'templates');
const PUBLIC_DIR = join(here, '..', 'public');
const require = createRequire(import.meta.url);
const DSFR_DIST = join(dirname(require.resolve('@gouvfr/dsfr/package.json')), 'dist');

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page inside the DSFR layout with the common context (actor, navigation, CSRF token). */
    renderPage(template: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

/** Helpers every template can call: formatting is French everywhere. */
const templateHelpers = {
  euros: formatEuros,
  /** A count that may be masked (null): the number, or « secret statistique » (shared/small-cells.ts). */
  cell: shownCount,
  date: formatFrenchDate,
  dateTime: formatFrenchDateTime,
  /** it.h.count(3, 'carnet') → "3 carnets"; it.h.plural(n, 'bloqué') → the word alone. */
  count: countOf,
  plural,
  /** "2026-10" → "octobre 2026" */
  month: frenchMonth,
  /** "2026-10" → "d’octobre 2026", "2026-11" → "de novembre 2026" */
  ofMonth: ofFrenchMonth,
  /** An INSEE code as people read it: "Toulouse (31555)"; the code alone when unknown, "—" when empty. */
  commune: (code: string | null | undefined) => {
    if (!code) return '—';
    const name = getTerritories().commune(code)?.name;
    return name ? `${name} (${code})` : code;
  },
  kindLabel: (kind: keyof typeof KIND_LABELS) => KIND_LABELS[kind],
  roleLabel: (role: keyof typeof ROLE_LABELS) => ROLE_LABELS[role],
};

function commonContext(request: FastifyRequest, reply: FastifyReply, actor: Actor | null) {
  return {
    actor,
    nav: navigationFor(actor),
    currentPath: request.url.split('?')[0],
    csrfToken: csrfTokenFor(reply, actor),
    h: templateHelpers,
    query: request.query ?? {},
  };
}

export default fp(
  async (app) => {
    const eta = new Eta({ views: TEMPLATES_DIR, autoEscape: true, cache: true, defaultExtension: '.eta' });
    await app.register(fastifyView, { engine: { eta }, root: TEMPLATES_DIR, production: true });

    // Stylesheets, scripts and fonts are public: the login page and the public forms need them.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/dsfr/') || route.url.startsWith('/static/')) route.config = { ...route.config, access: 'public' };
    });
    // The DSFR is served from node_modules, never from a CDN.
    await app.register(fastifyStatic, { root: DSFR_DIST, prefix: '/dsfr/', decorateReply: false, maxAge: '7d' });
    await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', decorateReply: false, maxAge: '1h' });

    app.decorateReply('renderPage', async function (this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
      const context = { ...commonContext(this.request, this, this.request.actor), ...data };
      const html = labelTableCells(await this.viewAsync(template, context));
      return this.type('text/html; charset=utf-8').send(html);
    });
  },
  { name: 'views', dependencies: ['auth'] },
);
