import t from 'tap';
import { checkOpeningHours, describeOpeningHours } from '../../server/modules/places/opening-hours.ts';

t.test('common OSM opening hours are accepted and normalised', async (t) => {
  for (const value of [
    'Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00',
    '24/7',
    'Mo,We,Fr 10:00-12:00',
    'Tu-Sa 10:00-18:00; PH off',
    'Mo-Fr 09:00-17:00; Dec 25 off',
    'Jan-Jun Mo-Fr 09:00-12:00',
    'Fr 22:00-26:00',
    'Mo[1] 14:00-16:00 "premier lundi du mois"',
    'Sa 10:00+',
  ]) {
    const result = checkOpeningHours(value);
    t.ok(result.ok, value);
  }
  t.same(checkOpeningHours('  Mo-Fr 09:00-12:00 ;Sa 09:00-12:00 '), { ok: true, value: 'Mo-Fr 09:00-12:00; Sa 09:00-12:00' });
});

t.test('typos are refused with the rule that was not understood', async (t) => {
  for (const value of ['lundi au vendredi 9h-18h', 'Mo-Fr 9h-12h', 'Lu-Ve 09:00-12:00', 'Mo-Fr 09:00-12:00; n’importe quoi', 'Mo-Fr 49:00-50:00']) {
    const result = checkOpeningHours(value);
    t.notOk(result.ok, value);
  }
  const result = checkOpeningHours('Mo-Fr 09:00-12:00; Sam 9-12');
  t.match(result, { ok: false, message: /règle 2 « Sam 9-12 »/ });
});

t.test('hours are described in French for beneficiaries', async (t) => {
  t.same(describeOpeningHours('Mo-Fr 09:00-12:00,14:00-18:30; Sa 09:00-12:00; PH off'), [
    'Du lundi au vendredi : 09:00 – 12:00, 14:00 – 18:30',
    'Samedi : 09:00 – 12:00',
    'Jours fériés : fermé',
  ]);
  t.same(describeOpeningHours(null), []);
});
