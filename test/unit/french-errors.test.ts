import t from 'tap';
import { z } from 'zod';
import { frenchIssueMessage, installFrenchValidationMessages } from '../../server/shared/french-errors.ts';
import { countOf, plural } from '../../server/shared/plural.ts';

installFrenchValidationMessages();

const messageOf = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a refusal');
  return result.error.issues[0]!.message;
};

t.test('a missing field reads "Ce champ est obligatoire", whatever its type', async (t) => {
  t.equal(messageOf(z.object({ name: z.string() }), {}), 'Ce champ est obligatoire.');
  t.equal(messageOf(z.object({ count: z.number() }), {}), 'Ce champ est obligatoire.');
  t.equal(messageOf(z.string().min(1), ''), 'Ce champ est obligatoire.');
  t.equal(messageOf(z.enum(['operator', 'buyer']), undefined), 'Ce champ est obligatoire : choisissez une valeur.');
  t.equal(messageOf(z.enum(['operator', 'buyer']), ''), 'Ce champ est obligatoire : choisissez une valeur.');
});

t.test('an empty select names no internal values', async (t) => {
  const message = messageOf(z.enum(['operator', 'buyer', 'prescriber']), 'x');
  t.equal(message, 'Choisissez une des valeurs proposées.');
  t.notMatch(message, /operator|buyer/);
});

t.test('lengths and bounds are said in French with correct agreement', async (t) => {
  t.equal(messageOf(z.string().min(12), 'court'), 'Au moins 12 caractères.');
  t.equal(messageOf(z.string().max(1), 'ab'), '1 caractère au plus.');
  t.equal(messageOf(z.string().max(200), 'a'.repeat(201)), '200 caractères au plus.');
  t.equal(messageOf(z.number().int().min(10), 3), 'La valeur doit être au moins 10.');
  t.equal(messageOf(z.number().max(1500), 2000), 'La valeur doit être au plus 1\u202f500.');
  t.equal(messageOf(z.array(z.string()).min(1), []), 'Choisissez au moins une valeur.');
  t.equal(messageOf(z.number(), 'douze'), 'Saisissez un nombre.');
});

t.test('formats explain what is expected', async (t) => {
  t.match(messageOf(z.email(), 'pas-une-adresse'), /^Adresse e-mail invalide/);
  t.match(messageOf(z.iso.date(), '31/12/2026'), /^Date invalide/);
});

t.test('a message written by the schema wins over the map', async (t) => {
  t.equal(messageOf(z.string().regex(/^\d{14}$/, 'SIRET invalide : 14 chiffres'), '123'), 'SIRET invalide : 14 chiffres');
});

t.test('no zod issue kind falls back to English', async (t) => {
  const samples: unknown[] = [
    [z.string(), 3],
    [z.boolean(), 'oui'],
    [z.object({}).strict(), { extra: 1 }],
    [z.union([z.string(), z.number()]), true],
    [z.number().multipleOf(5), 7],
    [z.string().startsWith('FAC-'), 'CMD-1'],
    [z.url(), 'nope'],
    [z.record(z.string().regex(/^a/), z.number()), { b: 1 }],
  ];
  for (const [schema, value] of samples as [z.ZodType, unknown][]) {
    const message = messageOf(schema, value);
    t.notMatch(message, /Invalid|expected|received|must be|Unrecognized/, message);
    t.match(message, /^[A-ZÀ-Ý0-9]/, `starts with a capital: ${message}`);
  }
});

t.test('counts agree in number, French style', async (t) => {
  t.equal(countOf(0, 'carnet'), '0 carnet');
  t.equal(countOf(1, 'carnet'), '1 carnet');
  t.equal(countOf(2, 'carnet'), '2 carnets');
  t.equal(countOf(1200, 'lieu', 'lieux'), '1\u202f200 lieux');
  t.equal(plural(1, 'bloqué'), 'bloqué');
  t.equal(plural(3, 'bloqué'), 'bloqués');
});

t.test('the map is a pure function of the issue', async (t) => {
  t.equal(frenchIssueMessage({ code: 'invalid_type', expected: 'string', input: undefined } as never), 'Ce champ est obligatoire.');
});
