import t from 'tap';
import { labelTableCells } from '../../server/shared/table-labels.ts';

t.test('each data cell gets its column heading, actions included', async (t) => {
  const html = `<table><caption>Encaissements</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">Pass <span class="fr-sr-only">(masqué)</span></th><th scope="col">Action</th></tr></thead>
    <tbody><tr><td>1er décembre</td><td class="pn-nowrap">PN-…-K7Q2</td><td><form><button>Annuler</button></form></td></tr>
    <tr><th scope="row">Total</th><td colspan="2">3</td></tr></tbody></table>`;
  const out = labelTableCells(html);
  t.match(out, '<td data-label="Date">1er décembre</td>');
  t.match(out, '<td class="pn-nowrap" data-label="Pass (masqué)">');
  t.match(out, '<td data-label="Action"><form>');
  t.match(out, '<th scope="row" data-label="Date">Total</th>');
  t.match(out, '<td colspan="2" data-label="Pass (masqué)">3</td>');
  t.notMatch(out, /<thead>[\s\S]*data-label[\s\S]*<\/thead>/, 'headings are left as they are');
});

t.test('a cell that already has a label, or a table without headings, is left alone', async (t) => {
  const own = '<table><thead><tr><th>A</th></tr></thead><tbody><tr><td data-label="Autre">x</td></tr></tbody></table>';
  t.equal(labelTableCells(own), own);
  const bare = '<table><tbody><tr><td>x</td></tr></tbody></table>';
  t.equal(labelTableCells(bare), bare);
  t.equal(labelTableCells('<p>Pas de tableau</p>'), '<p>Pas de tableau</p>');
});

t.test('quotes in a heading cannot break out of the attribute', async (t) => {
  const out = labelTableCells('<table><thead><tr><th>Nom "usuel"</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>');
  t.match(out, '<td data-label="Nom &quot;usuel&quot;">x</td>');
});

t.test('several tables on one page each use their own headings', async (t) => {
  const out = labelTableCells(
    '<table><thead><tr><th>Lieu</th></tr></thead><tbody><tr><td>a</td></tr></tbody></table><p>…</p>' +
      '<table><thead><tr><th>Montant</th></tr></thead><tbody><tr><td>b</td></tr></tbody></table>',
  );
  t.match(out, '<td data-label="Lieu">a</td>');
  t.match(out, '<td data-label="Montant">b</td>');
});
