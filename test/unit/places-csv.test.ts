import t from 'tap';
import { parseCsv, splitMultiValue } from '../../server/modules/places/csv-reader.ts';

t.test('CSV: quotes, doubled quotes, newlines in cells, CRLF, BOM and the separator guessed', async (t) => {
  const csv = '\uFEFFid;nom;adresse\r\n1;"Le ""Lieu""";"1 rue\r\nbis"\r\n2;Autre;2 rue\r\n';
  const parsed = parseCsv(csv);
  t.equal(parsed.separator, ';');
  t.same(parsed.headers, ['id', 'nom', 'adresse']);
  t.same(parsed.records.map((r) => r.cells), [
    { id: '1', nom: 'Le "Lieu"', adresse: '1 rue\r\nbis' },
    { id: '2', nom: 'Autre', adresse: '2 rue' },
  ]);
  t.same(parsed.records.map((r) => r.line), [2, 4], 'line numbers count the newline inside the quoted cell');
  t.equal(parseCsv('a,b\n1,2').separator, ',');
});

t.test('multi-valued cells: | (schema v1), ; (v0 and README), JSON arrays', async (t) => {
  t.same(splitMultiValue('A|B | C'), ['A', 'B', 'C']);
  t.same(splitMultiValue('A;B'), ['A', 'B']);
  t.same(splitMultiValue('["A","B"]'), ['A', 'B']);
  t.same(splitMultiValue(''), []);
  t.same(splitMultiValue('Seul'), ['Seul']);
});
