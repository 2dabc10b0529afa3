/**
 * French territories (communes, EPCI, départements, régions) from the INSEE Code officiel
 * géographique shipped by @etalab/decoupage-administratif (millésime pinned by the package version).
 *
 * Pure module: no HTTP, no database. Data are loaded once, lazily, on the first call to
 * `getTerritories()` (about 0.3 s), then every lookup is an in-memory map access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Restriction stored on an order: INSEE codes for départements and communes, SIREN for EPCI. */
export type TerritoryRestriction = { departements?: string[]; epcis?: string[]; communes?: string[] };

export type TerritoryKind = 'departements' | 'epcis' | 'communes';

export interface Commune {
  readonly code: string;
  readonly name: string;
  readonly departement: string;
  readonly region: string;
  /** SIREN of the EPCI à fiscalité propre; null for the ~100 communes outside any EPCI (islands, COM). */
  readonly epci: string | null;
  readonly postalCodes: readonly string[];
  /** Only for arrondissements municipaux (Paris, Lyon, Marseille): the INSEE code of their commune. */
  readonly parent?: string;
}

export interface Departement {
  readonly code: string;
  readonly name: string;
  readonly region: string;
  readonly zone: 'metro' | 'drom' | 'com';
}

export interface Epci {
  /** SIREN of the EPCI. */
  readonly code: string;
  readonly name: string;
  /** CC, CA, CU, METRO, MET69. */
  readonly type: string;
  /** INSEE codes of the member communes (never arrondissements). */
  readonly communes: readonly string[];
}

export interface Region {
  readonly code: string;
  readonly name: string;
}

export interface UnknownTerritoryCode {
  kind: TerritoryKind;
  code: string;
  /** When `code` is a former commune code (merged since), the commune that replaced it. */
  currentCode?: string;
}

export interface Territories {
  commune(code: string): Commune | undefined;
  departement(code: string): Departement | undefined;
  epci(siren: string): Epci | undefined;
  region(code: string): Region | undefined;
  /** Current commune code for a former code (commune merged into a commune nouvelle), if any. */
  currentCommuneCode(formerCode: string): string | undefined;
  validateTerritory(territory: TerritoryRestriction): UnknownTerritoryCode[];
  isCommuneInTerritory(communeCode: string, territory: TerritoryRestriction | null): boolean;
  searchCommunes(query: string, limit?: number): Commune[];
  /** Every département (and COM), and every EPCI, in code order: what the name search scans. */
  allDepartements(): readonly Departement[];
  allEpcis(): readonly Epci[];
  describeTerritory(territory: TerritoryRestriction | null): string;
}

// ---------------------------------------------------------------------------------------------
// Raw JSON shapes (only the fields we read)

interface RawCommune {
  code: string;
  nom: string;
  type: 'commune-actuelle' | 'commune-deleguee' | 'commune-associee' | 'arrondissement-municipal';
  departement: string;
  region: string;
  typeLiaison?: number;
  codesPostaux?: string[];
  population?: number;
  anciensCodes?: string[];
  commune?: string;
}
interface RawEpci {
  code: string;
  nom: string;
  type: string;
  membres: { code: string }[];
}
interface RawDepartement {
  code: string;
  nom: string;
  region: string;
  zone: 'metro' | 'drom' | 'com';
  typeLiaison?: number;
}
interface RawRegion {
  code: string;
  nom: string;
}

function readData<T>(file: string): T {
  // The package's index.js resolves data/ against the working directory, so read the JSON files
  // by their resolved path instead.
  const require = createRequire(import.meta.url);
  const path = require.resolve(`@etalab/decoupage-administratif/data/${file}`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Lower-case, accents and ligatures removed, every run of non-alphanumerics collapsed to one space. */
export function normaliseName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** "st etienne" → "saint etienne"; a trailing "st" is left alone, it may be the start of "Strasbourg". */
export function expandAbbreviations(normalised: string): string {
  return normalised.replace(/\bste (?=\S)/g, 'sainte ').replace(/\bst (?=\S)/g, 'saint ');
}

const VOWEL = /^[aeiouy]/i;

/**
 * Preposition + name following INSEE's "type de nom en clair" (TNCC), so that printed texts read
 * "de la Haute-Garonne", "de l'Ain", "du Havre", "des Abymes".
 * Département names carry no article; commune names do ("Le Havre"), hence `nameHasArticle`.
 */
function withPreposition(name: string, tncc: number | undefined, nameHasArticle: boolean): string {
  const plain = name.normalize('NFD').replace(/\p{M}/gu, '');
  switch (tncc) {
    case 0:
      return `de ${name}`;
    case 1:
      return `d'${name}`;
    case 2: // Le → du
      return nameHasArticle ? `du ${name.replace(/^Le /, '')}` : `du ${name}`;
    case 3: // La is kept ("de La Rochelle")
      return nameHasArticle ? `de ${name}` : `de la ${name}`;
    case 4: // Les → des
      return nameHasArticle ? `des ${name.replace(/^Les /, '')}` : `des ${name}`;
    case 5:
      return nameHasArticle ? `de ${name}` : `de l'${name}`;
    case 6: // Aux → des
      return nameHasArticle ? `des ${name.replace(/^Aux /, '')}` : `des ${name}`;
    case 7:
      return nameHasArticle ? `de ${name}` : `de las ${name}`;
    case 8:
      return nameHasArticle ? `de ${name}` : `de los ${name}`;
    default: // COM communes have no TNCC in the data
      return VOWEL.test(plain) ? `d'${name}` : `de ${name}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Index

interface SearchEntry {
  commune: Commune;
  normalisedName: string;
  population: number;
}

class TerritoryIndex implements Territories {
  private readonly communes = new Map<string, Commune>();
  private readonly communeTncc = new Map<string, number | undefined>();
  private readonly departements = new Map<string, Departement>();
  private readonly departementTncc = new Map<string, number | undefined>();
  private readonly epcis = new Map<string, Epci>();
  private readonly regions = new Map<string, Region>();
  private readonly formerCodes = new Map<string, string>();
  private readonly nameCounts = new Map<string, number>();
  private readonly populationRank: Map<Commune, number>;
  /** Sorted by population, largest first, so every scan yields results already ranked. */
  private readonly searchEntries: SearchEntry[] = [];
  /** Distinct postcodes → communes (population order); a postcode is shared by several communes. */
  private readonly byPostalCode = new Map<string, Commune[]>();

  constructor(raw: { communes: RawCommune[]; epcis: RawEpci[]; departements: RawDepartement[]; regions: RawRegion[] }) {
    for (const r of raw.regions) this.regions.set(r.code, Object.freeze({ code: r.code, name: r.nom }));
    for (const d of raw.departements) {
      this.departements.set(d.code, Object.freeze({ code: d.code, name: d.nom, region: d.region, zone: d.zone }));
      this.departementTncc.set(d.code, d.typeLiaison);
    }

    // Communes carry no EPCI field: the only link is the EPCI's member list.
    const epciOfCommune = new Map<string, string>();
    for (const e of raw.epcis) {
      const members = e.membres.map((m) => m.code);
      for (const code of members) epciOfCommune.set(code, e.code);
      this.epcis.set(e.code, Object.freeze({ code: e.code, name: e.nom, type: e.type, communes: Object.freeze(members) }));
    }

    // `code` is not unique across types (01015 is both the commune nouvelle Arboys en Bugey and
    // the delegated commune Arbignieu): keep only current communes and arrondissements.
    const kept = raw.communes.filter((c) => c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal');
    for (const c of kept) {
      // Arrondissements are not EPCI members themselves: they belong to their commune's EPCI.
      const epci = epciOfCommune.get(c.type === 'arrondissement-municipal' && c.commune ? c.commune : c.code) ?? null;
      const commune: Commune = Object.freeze({
        code: c.code,
        name: c.nom,
        departement: c.departement,
        region: c.region,
        epci,
        postalCodes: Object.freeze([...(c.codesPostaux ?? [])]),
        ...(c.type === 'arrondissement-municipal' && c.commune ? { parent: c.commune } : {}),
      });
      this.communes.set(c.code, commune);
      this.communeTncc.set(c.code, c.typeLiaison);
      this.searchEntries.push({ commune, normalisedName: normaliseName(c.nom), population: c.population ?? 0 });
      if (c.type === 'commune-actuelle') {
        this.nameCounts.set(c.nom, (this.nameCounts.get(c.nom) ?? 0) + 1);
        for (const former of c.anciensCodes ?? []) this.formerCodes.set(former, c.code);
      }
    }
    this.searchEntries.sort((a, b) => b.population - a.population || a.commune.code.localeCompare(b.commune.code));
    for (const e of this.searchEntries) {
      for (const p of e.commune.postalCodes) {
        const list = this.byPostalCode.get(p);
        if (list) list.push(e.commune);
        else this.byPostalCode.set(p, [e.commune]);
      }
    }
    this.populationRank = new Map(this.searchEntries.map((e, i) => [e.commune, i]));
  }

  commune(code: string): Commune | undefined {
    return this.communes.get(normaliseCode(code));
  }

  departement(code: string): Departement | undefined {
    return this.departements.get(normaliseCode(code));
  }

  epci(siren: string): Epci | undefined {
    return this.epcis.get(siren.trim());
  }

  region(code: string): Region | undefined {
    return this.regions.get(code.trim());
  }

  currentCommuneCode(formerCode: string): string | undefined {
    return this.formerCodes.get(normaliseCode(formerCode));
  }

  validateTerritory(territory: TerritoryRestriction): UnknownTerritoryCode[] {
    const unknown: UnknownTerritoryCode[] = [];
    for (const code of territory.departements ?? []) {
      if (!this.departements.has(normaliseCode(code))) unknown.push({ kind: 'departements', code });
    }
    for (const code of territory.epcis ?? []) {
      if (!this.epcis.has(code.trim())) unknown.push({ kind: 'epcis', code });
    }
    for (const code of territory.communes ?? []) {
      if (this.communes.has(normaliseCode(code))) continue;
      const currentCode = this.currentCommuneCode(code);
      unknown.push(currentCode ? { kind: 'communes', code, currentCode } : { kind: 'communes', code });
    }
    return unknown;
  }

  isCommuneInTerritory(communeCode: string, territory: TerritoryRestriction | null): boolean {
    const commune = this.commune(communeCode);
    // Even "all of France" only admits real communes: an unknown code is a data error, not a place.
    if (!commune) return false;
    if (territory === null) return true;

    if (territory.departements?.some((d) => normaliseCode(d) === commune.departement)) return true;
    // `commune.epci` is already the parent's EPCI for an arrondissement.
    if (commune.epci !== null && territory.epcis?.some((e) => e.trim() === commune.epci)) return true;
    // Listing a commune covers its arrondissements; listing an arrondissement covers only itself.
    return (
      territory.communes?.some((c) => {
        const listed = normaliseCode(c);
        return listed === commune.code || listed === commune.parent;
      }) ?? false
    );
  }

  searchCommunes(query: string, limit = 20): Commune[] {
    const q = query.trim();
    if (q === '' || limit <= 0) return [];

    if (/^\d{2,5}$/.test(q) || /^2[ab]\d{3}$/i.test(q)) return this.searchByCode(q.toUpperCase(), limit);

    const needle = expandAbbreviations(normaliseName(q));
    if (needle === '') return [];
    const exact: Commune[] = [];
    const prefix: Commune[] = [];
    const contains: Commune[] = [];
    // Entries are in population order, so each bucket comes out sorted; a full scan (~35,000
    // pre-normalised strings, a few ms) is needed anyway because a small exact match ("Mons")
    // must beat bigger prefix matches ("Mons-en-Barœul").
    for (const e of this.searchEntries) {
      const name = e.normalisedName;
      if (name === needle) {
        if (exact.length < limit) exact.push(e.commune);
      } else if (name.startsWith(needle)) {
        if (prefix.length < limit) prefix.push(e.commune);
      } else if (contains.length < limit && name.includes(needle)) {
        contains.push(e.commune);
      }
    }
    return [...exact, ...prefix, ...contains].slice(0, limit);
  }

  private searchByCode(q: string, limit: number): Commune[] {
    const byInsee = q.length === 5 ? this.communes.get(q) : undefined;
    const found = new Set<Commune>();
    if (/^\d+$/.test(q)) {
      // ~6,300 distinct postcodes: scanning them is much cheaper than scanning every commune.
      for (const [postalCode, communes] of this.byPostalCode) {
        if (postalCode.startsWith(q)) for (const c of communes) found.add(c);
      }
    }
    if (byInsee) found.delete(byInsee);
    const rank = (c: Commune): number => this.populationRank.get(c) ?? Number.MAX_SAFE_INTEGER;
    const ranked = [...found].sort((a, b) => rank(a) - rank(b));
    // An exact INSEE code is the most specific answer, so it comes first.
    return (byInsee ? [byInsee, ...ranked] : ranked).slice(0, limit);
  }

  allDepartements(): readonly Departement[] {
    return [...this.departements.values()];
  }

  allEpcis(): readonly Epci[] {
    return [...this.epcis.values()];
  }

  describeTerritory(territory: TerritoryRestriction | null): string {
    if (territory === null) return 'Toute la France';
    const parts: string[] = [];
    for (const code of territory.departements ?? []) {
      const d = this.departements.get(normaliseCode(code));
      if (!d) {
        parts.push(`département inconnu (${code})`);
        continue;
      }
      // Saint-Pierre-et-Miquelon, Polynésie… are collectivités d'outre-mer, not départements.
      const noun = d.zone === 'com' ? 'Collectivité' : 'Département';
      parts.push(`${noun} ${withPreposition(d.name, this.departementTncc.get(d.code), false)} (${d.code})`);
    }
    for (const code of territory.epcis ?? []) {
      const e = this.epcis.get(code.trim());
      parts.push(e ? e.name : `EPCI inconnu (${code})`);
    }
    for (const code of territory.communes ?? []) {
      const c = this.communes.get(normaliseCode(code));
      if (!c) {
        parts.push(`commune inconnue (${code})`);
        continue;
      }
      if (c.parent) {
        parts.push(c.name); // "Paris 1er Arrondissement" reads fine alone
        continue;
      }
      // About 1,400 names are shared (Saint-Denis 93 and 974…): add the département only then.
      const homonym = (this.nameCounts.get(c.name) ?? 0) > 1 ? ` (${c.departement})` : '';
      parts.push(`commune ${withPreposition(c.name, this.communeTncc.get(c.code), true)}${homonym}`);
    }
    return parts.length === 0 ? 'Aucun territoire' : parts.join(' ; ');
  }
}

/** INSEE codes are upper-case (2A, 2B); accept "2a004" and surrounding spaces from forms. */
function normaliseCode(code: string): string {
  return code.trim().toUpperCase();
}

let instance: TerritoryIndex | undefined;

/** The territory index, built on first use (~0.3 s, ~50 MB) and shared afterwards. */
export function getTerritories(): Territories {
  instance ??= new TerritoryIndex({
    communes: readData<RawCommune[]>('communes.json'),
    epcis: readData<RawEpci[]>('epci.json'),
    departements: readData<RawDepartement[]>('departements.json'),
    regions: readData<RawRegion[]>('regions.json'),
  });
  return instance;
}
