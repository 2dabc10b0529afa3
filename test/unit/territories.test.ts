import t from 'tap';
import { getTerritories, normaliseName } from '../../server/modules/territories/territories.ts';
import { communeCodesNamedBy } from '../../server/modules/territories/territory-search.ts';

// Every code below was checked against @etalab/decoupage-administratif 6.0.0 (millésime 2026).
const territories = getTerritories();

const PARIS = '75056';
const PARIS_1ER = '75101';
const PARIS_2E = '75102';
const GRAND_PARIS = '200054781'; // Métropole du Grand Paris
const TOULOUSE = '31555';
const BLAGNAC = '31069';
const MURET = '31395'; // Haute-Garonne, outside Toulouse Métropole
const TOULOUSE_METROPOLE = '243100518';
const AJACCIO = '2A004';
const BASTIA = '2B033';
const SAINT_DENIS_REUNION = '97411';
const OUESSANT = '29155'; // one of the communes outside any EPCI

t.test('the territory index is loaded once and shared', async (t) => {
  t.equal(getTerritories(), territories);
});

t.test('a Paris arrondissement belongs to an order restricted to the commune of Paris', async (t) => {
  t.ok(territories.isCommuneInTerritory(PARIS_1ER, { communes: [PARIS] }));
  t.ok(territories.isCommuneInTerritory(PARIS, { communes: [PARIS] }));
});

t.test('an order restricted to one arrondissement covers only that arrondissement', async (t) => {
  t.ok(territories.isCommuneInTerritory(PARIS_1ER, { communes: [PARIS_1ER] }));
  t.notOk(territories.isCommuneInTerritory(PARIS_2E, { communes: [PARIS_1ER] }));
  t.notOk(territories.isCommuneInTerritory(PARIS, { communes: [PARIS_1ER] }));
});

t.test('a Paris arrondissement belongs to the Métropole du Grand Paris through its commune', async (t) => {
  const arrondissement = territories.commune(PARIS_1ER);
  t.equal(arrondissement?.parent, PARIS);
  t.equal(arrondissement?.epci, GRAND_PARIS);
  t.ok(territories.isCommuneInTerritory(PARIS_1ER, { epcis: [GRAND_PARIS] }));
});

t.test('Paris itself belongs to the Métropole du Grand Paris', async (t) => {
  t.equal(territories.commune(PARIS)?.epci, GRAND_PARIS);
  t.equal(territories.epci(GRAND_PARIS)?.name, 'Métropole du Grand Paris');
  t.ok(territories.isCommuneInTerritory(PARIS, { epcis: [GRAND_PARIS] }));
});

t.test('Ajaccio is in Corse-du-Sud (2A), not in Haute-Corse (2B)', async (t) => {
  t.equal(territories.commune(AJACCIO)?.departement, '2A');
  t.ok(territories.isCommuneInTerritory(AJACCIO, { departements: ['2A'] }));
  t.notOk(territories.isCommuneInTerritory(AJACCIO, { departements: ['2B'] }));
  t.ok(territories.isCommuneInTerritory(BASTIA, { departements: ['2B'] }));
  // Not "20": the old Corsica code is not a département any more.
  t.notOk(territories.isCommuneInTerritory(AJACCIO, { departements: ['20'] }));
});

t.test('Saint-Denis de La Réunion is in département 974, not in 97', async (t) => {
  t.equal(territories.commune(SAINT_DENIS_REUNION)?.departement, '974');
  t.ok(territories.isCommuneInTerritory(SAINT_DENIS_REUNION, { departements: ['974'] }));
  t.notOk(territories.isCommuneInTerritory(SAINT_DENIS_REUNION, { departements: ['97'] }));
  t.notOk(territories.isCommuneInTerritory(SAINT_DENIS_REUNION, { departements: ['971'] }));
});

t.test('a commune is accepted when it is in any of the listed areas', async (t) => {
  const territory = { departements: ['2A'], epcis: [TOULOUSE_METROPOLE], communes: [SAINT_DENIS_REUNION] };
  t.ok(territories.isCommuneInTerritory(BLAGNAC, territory), 'through the EPCI');
  t.ok(territories.isCommuneInTerritory(AJACCIO, territory), 'through the département');
  t.ok(territories.isCommuneInTerritory(SAINT_DENIS_REUNION, territory), 'listed by name');
});

t.test('a commune outside the territory is refused', async (t) => {
  t.notOk(territories.isCommuneInTerritory(MURET, { epcis: [TOULOUSE_METROPOLE] }));
  t.notOk(territories.isCommuneInTerritory(BLAGNAC, { departements: ['32'], communes: [TOULOUSE] }));
  t.notOk(territories.isCommuneInTerritory(OUESSANT, { epcis: [TOULOUSE_METROPOLE] }), 'a commune without EPCI');
  t.notOk(territories.isCommuneInTerritory(BLAGNAC, {}), 'an empty restriction admits nobody');
});

t.test('an order without territory restriction accepts any French commune, but not an unknown code', async (t) => {
  t.ok(territories.isCommuneInTerritory(OUESSANT, null));
  t.ok(territories.isCommuneInTerritory(PARIS_1ER, null));
  t.notOk(territories.isCommuneInTerritory('99999', null));
});

t.test('unknown codes in a territory are reported one by one', async (t) => {
  t.same(territories.validateTerritory({ departements: ['31', '2A', '974'], epcis: [GRAND_PARIS], communes: [PARIS_1ER, AJACCIO] }), []);
  t.same(
    territories.validateTerritory({ departements: ['31', '20', '96'], epcis: ['123456789'], communes: [TOULOUSE, '99999'] }),
    [
      { kind: 'departements', code: '20' },
      { kind: 'departements', code: '96' },
      { kind: 'epcis', code: '123456789' },
      { kind: 'communes', code: '99999' },
    ],
  );
});

t.test('a former commune code is refused but the commune that replaced it is named', async (t) => {
  // 01340 (Saint-Bois) is now only a delegated commune of Arboys en Bugey (01015).
  t.same(territories.validateTerritory({ communes: ['01340'] }), [{ kind: 'communes', code: '01340', currentCode: '01015' }]);
  t.equal(territories.commune('01340'), undefined);
});

t.test('a code shared by a commune nouvelle and one of its delegated communes means the commune nouvelle', async (t) => {
  // 01015 is both Arboys en Bugey (commune-actuelle) and Arbignieu (commune-deleguee).
  const commune = territories.commune('01015');
  t.equal(commune?.name, 'Arboys en Bugey');
  t.equal(commune?.epci, '200040350'); // CC Bugey Sud
  t.same(commune?.postalCodes, ['01300']);
});

t.test('a commune is found by its postcode', async (t) => {
  const results = territories.searchCommunes('31000');
  t.equal(results[0]?.code, TOULOUSE);
  t.equal(results[0]?.name, 'Toulouse');
  t.ok(results.every((c) => c.postalCodes.includes('31000')));
});

t.test('a postcode prefix lists the largest communes first', async (t) => {
  const results = territories.searchCommunes('31', 5);
  t.equal(results.length, 5);
  t.equal(results[0]?.code, TOULOUSE);
  t.ok(results.every((c) => c.postalCodes.some((p) => p.startsWith('31'))));
});

t.test('a Paris postcode finds Paris and the matching arrondissement', async (t) => {
  t.same(
    territories.searchCommunes('75001').map((c) => c.code),
    [PARIS, PARIS_1ER],
  );
});

t.test('a commune is found by its exact INSEE code, Corsica included', async (t) => {
  t.equal(territories.searchCommunes('2a004')[0]?.name, 'Ajaccio');
  t.equal(territories.searchCommunes(TOULOUSE)[0]?.code, TOULOUSE);
});

t.test('"saint etienne" finds Saint-Étienne first, whatever the accents, case or abbreviation', async (t) => {
  for (const query of ['saint etienne', 'Saint-Étienne', 'SAINT ETIENNE', 'st etienne']) {
    const results = territories.searchCommunes(query);
    t.equal(results[0]?.code, '42218', query);
    t.ok(results.length > 1 && results.length <= 20, query);
  }
});

t.test('names starting with the query come before names that only contain it', async (t) => {
  const results = territories.searchCommunes('rochefort', 50).map((c) => c.name);
  // Exact names first (two communes named Rochefort, larger first), then prefixes, then the rest.
  t.same(results.slice(0, 3), ['Rochefort', 'Rochefort', 'Rochefort-du-Gard']);
  const firstContains = results.findIndex((name) => !normaliseName(name).startsWith('rochefort'));
  t.equal(results[firstContains], 'Saint-Bonnet-de-Rochefort');
  t.ok(results.slice(firstContains).every((name) => !normaliseName(name).startsWith('rochefort')));
  t.ok(results.includes('La Valla-sur-Rochefort'));
});

t.test('an exact name beats longer names starting with it', async (t) => {
  const results = territories.searchCommunes('mons', 5);
  t.ok(results.every((c) => c.name === 'Mons'));
});

t.test('a search result names its EPCI and postcodes', async (t) => {
  const blagnac = territories.searchCommunes('blagnac')[0];
  t.same(blagnac, { code: BLAGNAC, name: 'Blagnac', departement: '31', region: '76', epci: TOULOUSE_METROPOLE, postalCodes: ['31700'] });
});

t.test('an empty search returns nothing', async (t) => {
  t.same(territories.searchCommunes('  '), []);
  t.same(territories.searchCommunes('-'), []);
});

t.test('a territory is printed with names, not codes', async (t) => {
  t.equal(territories.describeTerritory(null), 'Toute la France');
  t.equal(
    territories.describeTerritory({ departements: ['31'], epcis: [TOULOUSE_METROPOLE], communes: [BLAGNAC] }),
    'Département de la Haute-Garonne (31) ; Toulouse Métropole ; commune de Blagnac',
  );
});

t.test('printed names follow French elision and contraction', async (t) => {
  t.equal(territories.describeTerritory({ departements: ['01', '59', '13'] }), "Département de l'Ain (01) ; Département du Nord (59) ; Département des Bouches-du-Rhône (13)");
  t.equal(territories.describeTerritory({ communes: ['76351', '97101', AJACCIO] }), "commune du Havre ; commune des Abymes ; commune d'Ajaccio");
});

t.test('homonymous communes are printed with their département', async (t) => {
  t.equal(territories.describeTerritory({ communes: [SAINT_DENIS_REUNION] }), 'commune de Saint-Denis (974)');
  t.equal(territories.describeTerritory({ communes: [PARIS_1ER] }), 'Paris 1er Arrondissement');
});

t.test('a list search names communes from two characters, by their codes', async (t) => {
  t.same(communeCodesNamedBy(territories, 'M'), [], 'one character names no commune');
  t.ok(communeCodesNamedBy(territories, 'Muret').includes(MURET), 'a commune by its name gives its INSEE code');
  t.ok(communeCodesNamedBy(territories, 'Saint').length <= 50, 'a name many communes share gives fifty at most');
});
