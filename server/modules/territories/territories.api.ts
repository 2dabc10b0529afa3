import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireActor } from '../../plugins/auth.ts';
import { errorResponses, listOf } from '../../shared/schemas.ts';
import { getTerritories, type Territories, type TerritoryKind } from './territories.ts';
import { searchTerritories } from './territory-search.ts';
import { territoryNotFound } from './territories.errors.ts';

const TAGS = ['Données de référence'];
const TERRITORY_KINDS = ['departements', 'epcis', 'communes'] as const satisfies readonly TerritoryKind[];
const SEARCH_LIMIT = 20;

export const communeView = z.object({
  code: z.string().describe('Code INSEE'),
  name: z.string(),
  departement: z.string().describe('Code INSEE du département'),
  epci: z.string().nullable().describe('SIREN de l’EPCI ; null pour les rares communes hors EPCI'),
  postalCodes: z.array(z.string()),
});

const parentView = z.object({
  kind: z.enum(['communes', 'epcis', 'departements', 'regions']),
  code: z.string(),
  name: z.string(),
});

export const territoryView = z.object({
  kind: z.enum(TERRITORY_KINDS),
  code: z.string().describe('Code INSEE (commune, département) ou SIREN (EPCI)'),
  name: z.string(),
  parents: z.array(parentView).describe('Du plus proche au plus large : commune (pour un arrondissement), EPCI, départements, régions'),
  postalCodes: z.array(z.string()).optional().describe('Communes seulement'),
  communeCount: z.number().int().optional().describe('EPCI seulement : nombre de communes membres'),
});
export const territoryMatchView = z.object({
  kind: z.enum(TERRITORY_KINDS),
  code: z.string().describe('Code INSEE (commune, département) ou SIREN (EPCI) : la valeur à envoyer dans `territory` d’une commande'),
  name: z.string(),
  label: z.string().describe('Le nom, la nature et le code, tels que le formulaire les affiche : « CA Rodez Agglomération (EPCI, 241200187) »'),
});

type TerritoryView = z.infer<typeof territoryView>;
type ParentView = z.infer<typeof parentView>;

const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(2, '2 caractères au moins')
    .max(100, '100 caractères au maximum')
    .describe('Début ou partie du nom, code postal ou code INSEE'),
});

const lookupParams = z.object({
  kind: z.enum(TERRITORY_KINDS),
  code: z.string().trim().min(1).max(20),
});

function regionParent(territories: Territories, code: string): ParentView[] {
  const region = territories.region(code);
  return region ? [{ kind: 'regions', code: region.code, name: region.name }] : [];
}

/** One territory with its parents, or undefined when the code is unknown. */
export function describeTerritoryNode(territories: Territories, kind: TerritoryKind, code: string): TerritoryView | undefined {
  if (kind === 'communes') {
    const commune = territories.commune(code);
    if (!commune) return undefined;
    const parents: ParentView[] = [];
    const parentCommune = commune.parent ? territories.commune(commune.parent) : undefined;
    if (parentCommune) parents.push({ kind: 'communes', code: parentCommune.code, name: parentCommune.name });
    const epci = commune.epci ? territories.epci(commune.epci) : undefined;
    if (epci) parents.push({ kind: 'epcis', code: epci.code, name: epci.name });
    const departement = territories.departement(commune.departement);
    if (departement) parents.push({ kind: 'departements', code: departement.code, name: departement.name });
    parents.push(...regionParent(territories, commune.region));
    return { kind, code: commune.code, name: commune.name, parents, postalCodes: [...commune.postalCodes] };
  }
  if (kind === 'departements') {
    const departement = territories.departement(code);
    if (!departement) return undefined;
    return { kind, code: departement.code, name: departement.name, parents: regionParent(territories, departement.region) };
  }
  const epci = territories.epci(code);
  if (!epci) return undefined;
  // About a hundred EPCI straddle two départements (or regions): list every one their members touch.
  const departements = new Map<string, string>();
  for (const member of epci.communes) {
    const commune = territories.commune(member);
    if (commune) departements.set(commune.departement, commune.region);
  }
  const parents: ParentView[] = [];
  for (const depCode of [...departements.keys()].sort()) {
    const departement = territories.departement(depCode);
    if (departement) parents.push({ kind: 'departements', code: departement.code, name: departement.name });
  }
  for (const regionCode of [...new Set(departements.values())].sort()) parents.push(...regionParent(territories, regionCode));
  return { kind, code: epci.code, name: epci.name, parents, communeCount: epci.communes.length };
}

export const territoriesApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/territories/communes',
    {
      schema: {
        summary: 'Rechercher une commune par nom, code postal ou code INSEE',
        description: `Au plus ${SEARCH_LIMIT} résultats, les plus peuplées d’abord ; accents, tirets et « St »/« Ste » sont indifférents.`,
        tags: TAGS,
        querystring: searchQuery,
        response: { 200: listOf(communeView), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      requireActor(request);
      const items = getTerritories()
        .searchCommunes(request.query.q, SEARCH_LIMIT)
        .map((c) => ({ code: c.code, name: c.name, departement: c.departement, epci: c.epci, postalCodes: [...c.postalCodes] }));
      return { items, nextCursor: null };
    },
  );

  r.get(
    '/territories',
    {
      schema: {
        summary: 'Rechercher un département, un EPCI ou une commune par nom ou par code',
        description:
          `Au plus ${SEARCH_LIMIT} résultats : nom identique, puis début du nom, puis partie du nom ; à rang égal, départements, EPCI puis communes (les plus peuplées d’abord). ` +
          'Accents, majuscules, tirets et « St »/« Ste » sont indifférents ; la forme juridique d’un EPCI (« CA », « CC ») peut être omise. ' +
          'Un code postal donne ses communes, un numéro son département, un SIREN son EPCI.',
        tags: TAGS,
        querystring: searchQuery,
        response: { 200: listOf(territoryMatchView), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      requireActor(request);
      return { items: searchTerritories(getTerritories(), request.query.q, SEARCH_LIMIT), nextCursor: null };
    },
  );

  r.get(
    '/territories/:kind/:code',
    {
      schema: {
        summary: 'Un département, un EPCI ou une commune, avec ses territoires parents',
        description: '`kind` : `departements` (code INSEE, par ex. 31 ou 2A), `epcis` (SIREN) ou `communes` (code INSEE). 404 `territory_not_found` pour un code inconnu.',
        tags: TAGS,
        params: lookupParams,
        response: { 200: territoryView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      requireActor(request);
      const { kind, code } = request.params;
      const found = describeTerritoryNode(getTerritories(), kind, code);
      if (!found) {
        const former = kind === 'communes' ? getTerritories().currentCommuneCode(code) : undefined;
        throw territoryNotFound(code, former ?? undefined);
      }
      return found;
    },
  );
};
