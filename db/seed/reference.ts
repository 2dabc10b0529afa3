import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { cofinancingPrograms, publicCategories } from '../schema/programs.ts';
import type { BuyerType } from '../schema/accounts.ts';
import type { Clock } from '../../server/shared/clock.ts';
import { newId } from '../../server/shared/secrets.ts';
import { recordAudit } from '../../server/modules/audit/audit.repository.ts';

/** Domain rule 4: the publics named by the national scheme, priority ones first. */
export const REFERENCE_PUBLIC_CATEGORIES = [
  { code: 'decrocheurs_peu_qualifies', label: 'Jeunes décrocheurs et demandeurs d’emploi peu qualifiés', priority: true },
  { code: 'jeunes_16_25_insertion', label: 'Jeunes de 16 à 25 ans en parcours d’insertion', priority: true },
  { code: 'seniors_60_plus', label: 'Personnes de 60 ans et plus', priority: false },
  { code: 'demandeurs_emploi', label: 'Demandeurs d’emploi', priority: false },
  { code: 'minima_sociaux', label: 'Bénéficiaires de minima sociaux (RSA…)', priority: false },
  { code: 'allophones', label: 'Personnes allophones (non francophones)', priority: false },
  { code: 'personnes_handicap', label: 'Personnes en situation de handicap', priority: false },
  { code: 'illettrisme', label: 'Personnes en situation d’illettrisme', priority: false },
] as const;

export const DEMO_PROGRAM_NAME = 'Programme national de cofinancement du Pass numérique';

/**
 * The demo's national programme terms (domain rule 2): half of each order paid by the State, for
 * collectivités, 15 M€ in all, orders of 20 000 € at least, 1.5 M€ per buyer at most.
 */
export const NATIONAL_PROGRAM_TERMS = {
  rateBasisPoints: 5000,
  eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'] as BuyerType[],
  envelopeCents: 1_500_000_000,
  committedCents: 0,
  minOrderCents: 2_000_000,
  perBuyerCapCents: 150_000_000,
};

/**
 * Loads the public categories every instance needs, on every start (also with DEMO_DATA=false).
 * Inserts missing codes only: an operator's later edits (labels, deactivation) are never undone.
 * Returns the codes inserted.
 */
export function seedReferenceData(db: DbOrTx, clock: Clock): string[] {
  const inserted: string[] = [];
  REFERENCE_PUBLIC_CATEGORIES.forEach((category, index) => {
    const result = db
      .insert(publicCategories)
      .values({ ...category, active: true, sortOrder: (index + 1) * 10 })
      .onConflictDoNothing()
      .run();
    if (result.changes === 1) inserted.push(category.code);
  });
  if (inserted.length > 0) recordAudit(db, clock, null, 'reference_data.loaded', { type: 'public_category' }, { codes: inserted });
  return inserted;
}

/** The State's national programme of the demo (domain rule 2); returns its id, creating it once. */
export function seedDemoProgram(db: DbOrTx, clock: Clock): string {
  const existing = db.select({ id: cofinancingPrograms.id }).from(cofinancingPrograms).where(eq(cofinancingPrograms.name, DEMO_PROGRAM_NAME)).get();
  if (existing) return existing.id;
  const id = newId();
  db.insert(cofinancingPrograms)
    .values({
      id,
      name: DEMO_PROGRAM_NAME,
      ...NATIONAL_PROGRAM_TERMS,
      // Around the date the demo is loaded, so its past and current orders fall inside the programme.
      startsOn: `${Number(clock.now().toISOString().slice(0, 4)) - 1}-01-01`,
      endsOn: `${Number(clock.now().toISOString().slice(0, 4)) + 1}-12-31`,
      status: 'open',
      createdAt: clock.now().toISOString(),
      payer: {
        name: 'Agence nationale de la cohésion des territoires — programme Société numérique',
        siret: '13002603200016',
        address: { line: '20 avenue de Ségur', postalCode: '75007', city: 'Paris' },
        serviceCode: 'SN-PASS',
        engagementNumber: '2100012345',
      },
    })
    .run();
  recordAudit(db, clock, null, 'cofinancing_program.created', { type: 'cofinancing_program', id }, { name: DEMO_PROGRAM_NAME, demo: true });
  return id;
}
