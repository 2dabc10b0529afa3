import t from 'tap';
import { progressFor } from '../../scripts/progress.ts';

t.test('not on a terminal: one plain line per tenth of the work, whatever the number of updates', async (t) => {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = progressFor('Import des lieux', 1000, out);
  for (let done = 1; done <= 1000; done++) progress.update(done);
  progress.stop();
  const thousand = (1000).toLocaleString('fr-FR');
  t.equal(lines.length, 11, 'the start, then one line per tenth: eleven lines for a thousand updates');
  t.equal(lines[0], `Import des lieux : 1/${thousand} (0 %)\n`);
  t.equal(lines[1], `Import des lieux : 100/${thousand} (10 %)\n`);
  t.equal(lines.at(-1), `Import des lieux : ${thousand}/${thousand} (100 %)\n`);
});

t.test('a total learnt on the way is taken into account', async (t) => {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = progressFor('FEC', 0, out);
  progress.update(5, 10);
  progress.update(10);
  t.same(lines, ['FEC : 5/10 (50 %)\n', 'FEC : 10/10 (100 %)\n']);
});
