/**
 * Territories found by name or code, for the territory picker of the order form (issue 16: people
 * pick "Rodez Agglomération" by name, never by its SIREN). Pure: reads the in-memory territory
 * index, no I/O.
 *
 * One search covers the three kinds an order can be restricted to: départements, EPCI and
 * communes. Matches are ranked exact name, then name prefix, then name part; within a rank,
 * départements, then EPCI, then communes (largest first), since a larger area is the likelier pick.
 */
import { countOf } from '../../shared/plural.ts';
import { expandAbbreviations, normaliseName, type Territories, type TerritoryKind, type TerritoryRestriction } from './territories.ts';

export interface TerritoryChoice {
  kind: TerritoryKind;
  code: string;
}

export interface TerritoryMatch extends TerritoryChoice {
  name: string;
  /** How the picker shows it: the name, the kind and the code beside, "CA Rodez Agglomération (EPCI, 241200187)". */
  label: string;
}

export const TERRITORY_KINDS: readonly TerritoryKind[] = ['departements', 'epcis', 'communes'];

/** The value a picker checkbox or hidden input sends: "epcis:241200187". */
export const choiceValue = (choice: TerritoryChoice): string => `${choice.kind}:${choice.code}`;

interface NamedEntry {
  choice: TerritoryChoice;
  /** The normalised name, and for an EPCI the name without its legal form ("CA ", "CC "…), which people leave out. */
  keys: string[];
}

/** Search keys of the départements and EPCI, derived once per index (about 1,400 names). */
const namedEntries = new WeakMap<Territories, NamedEntry[]>();

const searchKey = (name: string) => expandAbbreviations(normaliseName(name));

function entriesOf(territories: Territories): NamedEntry[] {
  let entries = namedEntries.get(territories);
  if (!entries) {
    entries = [
      ...territories.allDepartements().map((d) => ({ choice: { kind: 'departements' as const, code: d.code }, keys: [searchKey(d.name)] })),
      ...territories.allEpcis().map((e) => {
        const key = searchKey(e.name);
        const withoutForm = key.replace(/^(cc|ca|cu) /, '');
        return { choice: { kind: 'epcis' as const, code: e.code }, keys: withoutForm === key ? [key] : [key, withoutForm] };
      }),
    ];
    namedEntries.set(territories, entries);
  }
  return entries;
}

/** The territory with its label, or undefined when the code is unknown. */
export function describeChoice(territories: Territories, choice: TerritoryChoice): TerritoryMatch | undefined {
  if (choice.kind === 'departements') {
    const d = territories.departement(choice.code);
    if (!d) return undefined;
    return { kind: choice.kind, code: d.code, name: d.name, label: `${d.name} (${d.zone === 'com' ? 'collectivité' : 'département'}, ${d.code})` };
  }
  if (choice.kind === 'epcis') {
    const e = territories.epci(choice.code);
    if (!e) return undefined;
    return { kind: choice.kind, code: e.code, name: e.name, label: `${e.name} (EPCI, ${e.code})` };
  }
  const c = territories.commune(choice.code);
  if (!c) return undefined;
  const departement = territories.departement(c.departement)?.name ?? c.departement;
  return { kind: choice.kind, code: c.code, name: c.name, label: `${c.name} (commune, ${departement}, ${c.code})` };
}

type Rank = 0 | 1 | 2 | 3;

function rankOf(keys: readonly string[], needle: string): Rank {
  let best: Rank = 3;
  for (const key of keys) {
    if (key === needle) return 0;
    if (key.startsWith(needle)) best = Math.min(best, 1) as Rank;
    else if (key.includes(needle)) best = Math.min(best, 2) as Rank;
  }
  return best;
}

/**
 * Départements, EPCI and communes whose name (accents, case, dashes and "St"/"Ste" aside) or code
 * matches `query`; a postal code finds its communes, a number its département, a SIREN its EPCI.
 */
export function searchTerritories(territories: Territories, query: string, limit = 20): TerritoryMatch[] {
  const q = query.trim();
  if (q.length < 2 || limit <= 0) return [];
  const found: TerritoryChoice[] = [];

  if (/^\d[\dab]{1,8}$/i.test(q)) {
    const departement = q.length <= 3 ? territories.departement(q) : undefined;
    if (departement) found.push({ kind: 'departements', code: departement.code });
    const epci = q.length === 9 ? territories.epci(q) : undefined;
    if (epci) found.push({ kind: 'epcis', code: epci.code });
    for (const c of territories.searchCommunes(q, limit)) found.push({ kind: 'communes', code: c.code });
  } else {
    const needle = searchKey(q);
    if (needle === '') return [];
    const buckets: TerritoryChoice[][] = [[], [], []];
    for (const entry of entriesOf(territories)) {
      const rank = rankOf(entry.keys, needle);
      if (rank < 3) buckets[rank]!.push(entry.choice);
    }
    // Communes come ranked by population within their own exact/prefix/part buckets.
    for (const c of territories.searchCommunes(q, limit)) {
      const rank = rankOf([searchKey(c.name)], needle);
      buckets[rank < 3 ? rank : 2]!.push({ kind: 'communes', code: c.code });
    }
    found.push(...buckets.flat());
  }
  return found
    .slice(0, limit)
    .map((choice) => describeChoice(territories, choice))
    .filter((m): m is TerritoryMatch => m !== undefined);
}

/** "epcis:241200187" values from a form → the choices they name, once each; anything else is reported back. */
export function parseChoices(values: readonly string[]): { choices: TerritoryChoice[]; invalid: string[] } {
  const choices: TerritoryChoice[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const raw of values) {
    const [kind, code, extra] = raw.trim().split(':');
    if (extra !== undefined || !code || !TERRITORY_KINDS.includes(kind as TerritoryKind) || !/^[0-9A-Za-z]{1,20}$/.test(code)) {
      invalid.push(raw);
      continue;
    }
    const choice = { kind: kind as TerritoryKind, code: code.toUpperCase() };
    if (seen.has(choiceValue(choice))) continue;
    seen.add(choiceValue(choice));
    choices.push(choice);
  }
  return { choices, invalid };
}

/** The choices as the restriction an order stores; none: all of France (null). */
export function choicesToRestriction(choices: readonly TerritoryChoice[]): TerritoryRestriction | null {
  if (choices.length === 0) return null;
  const restriction: TerritoryRestriction = {};
  for (const kind of TERRITORY_KINDS) {
    const codes = choices.filter((c) => c.kind === kind).map((c) => c.code);
    if (codes.length > 0) restriction[kind] = codes;
  }
  return restriction;
}

export type TypedTerritory = { added: TerritoryMatch } | { error: string; matches: TerritoryMatch[] } | { unchanged: true };

/**
 * A name left in the search box when the form is sent. Accepted only when it names exactly one
 * territory: "Toulouse" is both a commune and the start of "Toulouse Métropole", and guessing
 * would restrict the passes to the wrong area. Already chosen among the matches: nothing to do.
 */
export function resolveTypedTerritory(territories: Territories, query: string, chosen: readonly TerritoryChoice[]): TypedTerritory {
  const q = query.trim();
  if (q === '') return { unchanged: true };
  const matches = searchTerritories(territories, q, 20);
  const chosenValues = new Set(chosen.map(choiceValue));
  if (matches.some((m) => chosenValues.has(choiceValue(m)))) return { unchanged: true };
  if (matches.length === 1) return { added: matches[0]! };
  if (matches.length === 0) return { error: `Aucun département, EPCI ni commune ne correspond à « ${q} » : vérifiez l’orthographe ou tapez un code postal.`, matches };
  const count = matches.length >= 20 ? 'plus de 20 territoires' : countOf(matches.length, 'territoire');
  return { error: `« ${q} » désigne ${count} : cochez celui que vous voulez dans la liste.`, matches };
}

export interface PickerItem {
  value: string;
  label: string;
}

/**
 * What the picker shows: the chosen territories by name (an unknown code says so, it is refused
 * on sending), and the matches of a search step not chosen yet.
 */
export function pickerView(territories: Territories, chosenValues: readonly string[], results: readonly TerritoryMatch[]): { chosen: PickerItem[]; results: PickerItem[] } {
  const { choices } = parseChoices(chosenValues);
  const chosen = choices.map((c) => ({ value: choiceValue(c), label: describeChoice(territories, c)?.label ?? `Territoire inconnu (${c.code})` }));
  const taken = new Set(chosen.map((c) => c.value));
  return { chosen, results: results.filter((r) => !taken.has(choiceValue(r))).map((r) => ({ value: choiceValue(r), label: r.label })) };
}

/**
 * The communes a list's search may name, as INSEE codes: the lists of organisations, prescribers and
 * places store a commune's code, and people type its name ("Rodez"). Two characters at least, as
 * `searchTerritories`; fifty communes at most, enough for a name shared by several communes.
 */
export function communeCodesNamedBy(territories: Territories, q: string): string[] {
  return q.length >= 2 ? territories.searchCommunes(q, 50).map((c) => c.code) : [];
}
