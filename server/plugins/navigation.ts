import type { Actor } from '../modules/identity/actor.ts';

export interface NavItem {
  label: string;
  href: string;
}

/**
 * The header navigation of each role. Later modules add their entries here, next to the others,
 * so that one place says what each role can reach.
 */
export function navigationFor(actor: Actor | null): NavItem[] {
  if (!actor) return [];
  const items: NavItem[] = [{ label: 'Tableau de bord', href: '/tableau-de-bord' }];
  if (actor.organisationKind === 'buyer') {
    items.push({ label: 'Commandes', href: '/commandes' }, { label: 'Carnets', href: '/carnets' }, { label: 'Prescripteurs', href: '/prescripteurs' }, { label: 'Prescripteurs et carnets', href: '/distribution' });
    items.push({ label: 'Factures', href: '/finances/factures' }, { label: 'Avoirs', href: '/finances/avoirs' });
    items.push({ label: 'Utilisation', href: '/utilisation' });
  }
  if (actor.organisationKind === 'prescriber') {
    items.push({ label: 'Distribuer un carnet', href: '/distribuer' }, { label: 'Mon stock', href: '/mon-stock' });
  }
  if (actor.organisationKind === 'place') {
    items.push({ label: 'Encaisser un pass', href: '/encaisser' }, { label: 'Mon lieu', href: '/mon-lieu' }, { label: 'Relevés', href: '/releves' });
  }
  if (actor.organisationKind === 'state') items.push({ label: 'Programmes financés', href: '/etat/programmes' });
  if (actor.organisationKind === 'operator') {
    items.push({ label: 'Commandes', href: '/commandes' }, { label: 'Carnets', href: '/carnets' });
    // Finance pages are many: one entry leads to their hub, which links each of them.
    if (actor.role !== 'agent') items.push({ label: 'Finances', href: '/finances' });
    items.push({ label: 'Organisations', href: '/organisations' }, { label: 'Lieux', href: '/lieux' }, { label: 'Prescripteurs', href: '/prescripteurs' }, { label: 'Distribution', href: '/distribution' });
    items.push({ label: 'Programmes', href: '/programmes' });
    if (actor.role === 'admin') items.push({ label: 'Courriels envoyés', href: '/courriels' });
  }
  if (actor.organisationKind === 'operator' && actor.role === 'admin') items.push({ label: 'Journal de sécurité', href: '/securite/journal' });
  items.push({ label: 'Mon organisation', href: '/mon-organisation' });
  items.push({ label: 'Double authentification', href: '/mon-compte/double-authentification' });
  items.push({ label: 'Mon compte', href: '/mon-compte' });
  return items;
}

/** Each role lands on its own dashboard template. */
export function dashboardTemplateFor(actor: Actor): string {
  if (actor.organisationKind === 'operator') return actor.role === 'finance' ? 'pages/dashboards/finance.eta' : 'pages/dashboards/operator.eta';
  return `pages/dashboards/${actor.organisationKind}.eta`;
}
