import type { FastifyPluginAsync } from 'fastify';
import { publicAccess } from '../../plugins/auth.ts';
import { navigationFor } from '../../plugins/navigation.ts';

const hide = { hide: true };

/** The pages every public service must link from its footer: legal notice, personal data, cookies, site map. */
export const LEGAL_PAGES = [
  { href: '/mentions-legales', label: 'Mentions légales', template: 'pages/site/legal-notice.eta' },
  { href: '/donnees-personnelles', label: 'Données personnelles', template: 'pages/site/personal-data.eta' },
  { href: '/gestion-des-cookies', label: 'Gestion des cookies', template: 'pages/site/cookies.eta' },
] as const;

/** Public pages anyone can reach without an account, listed on the site map. */
const PUBLIC_PAGES = [
  { href: '/', label: 'Accueil' },
  { href: '/lieux-labellises', label: 'Où utiliser un pass : les lieux labellisés' },
  { href: '/statistiques', label: 'Statistiques publiques' },
  { href: '/connexion', label: 'Se connecter' },
  { href: '/lieux/candidature', label: 'Demander le label pour un lieu' },
  { href: '/accessibilite', label: 'Accessibilité' },
  ...LEGAL_PAGES.map(({ href, label }) => ({ href, label })),
  { href: '/plan-du-site', label: 'Plan du site' },
  { href: '/api/docs', label: 'Documentation de l’API' },
];

/** Legal pages and the site map: static, public, French. */
export const siteModule: FastifyPluginAsync = async (app) => {
  for (const page of LEGAL_PAGES) {
    app.get(page.href, { schema: hide, config: publicAccess }, async (_request, reply) =>
      reply.renderPage(page.template, { title: page.label, breadcrumb: [{ label: page.label }] }),
    );
  }
  app.get('/plan-du-site', { schema: hide, config: publicAccess }, async (request, reply) =>
    reply.renderPage('pages/site/sitemap.eta', {
      title: 'Plan du site',
      breadcrumb: [{ label: 'Plan du site' }],
      publicPages: PUBLIC_PAGES,
      rolePages: navigationFor(request.actor),
    }),
  );
};
