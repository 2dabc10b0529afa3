import t from 'tap';
import { expandSerialSelection, normaliseSerial, summariseSerials } from '../../server/modules/booklets/serial-ranges.ts';
import { shareOrHidden, suppressSmallCells } from '../../server/shared/small-cells.ts';

t.test('a serial is read from what a person types or a scanner reads', async (t) => {
  t.equal(normaliseSerial(' cd31-2026-000042 '), 'CD31-2026-000042');
  t.equal(normaliseSerial('CD31\u20132026\u2013000042'), 'CD31-2026-000042', 'dashes from a word processor');
  t.equal(normaliseSerial('HTTPS://PASS.EXAMPLE.GOUV.FR/C/CD31-2026-000042'), 'CD31-2026-000042', 'the booklet QR code');
  t.equal(normaliseSerial('https://pass.example.gouv.fr/c/cd31-2026-000042?utm=x'), 'CD31-2026-000042');
});

t.test('serials and ranges expand to the distinct serials they cover', async (t) => {
  t.same(expandSerialSelection(['CD31-2026-000001 à CD31-2026-000003'], 100), { serials: ['CD31-2026-000001', 'CD31-2026-000002', 'CD31-2026-000003'] });
  t.same(expandSerialSelection(['CD31-2026-000009..000011', 'cd31-2026-000010'], 100), { serials: ['CD31-2026-000009', 'CD31-2026-000010', 'CD31-2026-000011'] });
  t.same(expandSerialSelection(['CD31-2026-000001 - CD31-2026-000002\nCD31-2026-000005'], 100), { serials: ['CD31-2026-000001', 'CD31-2026-000002', 'CD31-2026-000005'] });
  t.match(expandSerialSelection(['CD31-2026-000001 à CM31555-2026-000002'], 100), { error: { message: /même préfixe/ } });
  t.match(expandSerialSelection(['CD31-2026-000005 à CD31-2026-000001'], 100), { error: { message: /rebours/ } });
  t.match(expandSerialSelection(['CD31-2026-000001 à CD31-2026-900000'], 1000), { error: { message: /1000 carnets au plus/ } }, 'a typo in a range does not build a huge list');
  t.match(expandSerialSelection(['???'], 10), { error: { message: /illisible/ } });
});

t.test('a movement reads as runs of serials', async (t) => {
  t.equal(summariseSerials(['CD31-2026-000003', 'CD31-2026-000001', 'CD31-2026-000002', 'CD31-2026-000007']), 'CD31-2026-000001 à CD31-2026-000003, CD31-2026-000007');
  const scattered = Array.from({ length: 30 }, (_, i) => `CD31-2026-${String(i * 2 + 1).padStart(6, '0')}`);
  t.match(summariseSerials(scattered), /et 10 autres plages$/);
});

t.test('small cells are hidden, and a lone hidden cell takes the largest with it', async (t) => {
  const cells = (counts: number[]) => counts.map((count, i) => ({ key: String(i), count }));
  t.same(suppressSmallCells(cells([12, 7, 5])).map((c) => c.count), [12, 7, 5], 'nothing under 5');
  t.same(suppressSmallCells(cells([12, 7, 3])).map((c) => c.count), [null, 7, null], 'one small cell: the total would reveal it');
  t.same(suppressSmallCells(cells([12, 4, 3])).map((c) => c.count), [12, null, null]);
  t.same(suppressSmallCells(cells([3])).map((c) => c.count), [null]);
  t.same(suppressSmallCells(cells([12, 3]), 0).map((c) => c.count), [12, 3], 'threshold 0: exact counts');
  t.equal(shareOrHidden(5, 16), 31.3);
  t.equal(shareOrHidden(3, 16), null, 'the priority count would be < 5');
  t.equal(shareOrHidden(14, 16), null, 'the others would be < 5');
  t.equal(shareOrHidden(16, 16), 100);
  t.equal(shareOrHidden(0, 0), null);
});
