import type { Actor } from '../modules/accounts/actor.ts';

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
    items.push({ label: 'Commandes', href: '/commandes' }, { label: 'Factures', href: '/finances/factures' });
  }
  if (actor.organisationKind === 'operator') {
    items.push({ label: 'Commandes', href: '/commandes' }, { label: 'Factures', href: '/finances/factures' });
    items.push({ label: 'Organisations', href: '/organisations' });
    if (actor.role !== 'agent') items.push({ label: 'Journal', href: '/finances/journal' });
    items.push({ label: 'Programmes de cofinancement', href: '/programmes' }, { label: 'Publics', href: '/publics' });
  }
  items.push({ label: 'Mon organisation', href: '/mon-organisation' });
  return items;
}

/** Each role lands on its own dashboard template. */
export function dashboardTemplateFor(actor: Actor): string {
  if (actor.organisationKind === 'operator') return actor.role === 'finance' ? 'pages/dashboards/finance.eta' : 'pages/dashboards/operator.eta';
  return `pages/dashboards/${actor.organisationKind}.eta`;
}
