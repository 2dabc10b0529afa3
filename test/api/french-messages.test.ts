import t from 'tap';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createApprovedOrder, createPlace, createProgram, seedReference, seedWorld } from '../helpers/fixtures.ts';

/**
 * zod's English defaults ("Invalid input: expected string, received undefined") and raw internal
 * values must never reach a person: neither in problem+json `errors` (the API) nor in a page.
 */
const ENGLISH = /Invalid (input|option|type|string|number|email)|expected (one of|string|number)|received (undefined|string|number)|Too (small|big)|Unrecognized key/;

type Operation = { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } };
type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[] };

/** A body with every declared property given a value of the wrong type, to meet every kind of refusal. */
function wrongTypes(schema: JsonSchema | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    const type = Array.isArray(property.type) ? property.type[0] : property.type;
    body[name] = type === 'string' ? 12 : type === 'array' ? 'pas une liste' : type === 'object' ? 'pas un objet' : 'pas un nombre';
  }
  return body;
}

t.test('no API validation error is worded in English, on any documented operation', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  createProgram(db);
  const order = createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2 });
  const sessions: Session[] = [];
  for (const user of [world.operatorAdmin, world.operatorFinance, world.buyerAdmin, world.prescriberAdmin, world.placeAdmin]) {
    sessions.push(await loginAs(app, user));
  }
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
  let checked = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!['post', 'put', 'patch'].includes(method) || path === '/api/v1/session') continue;
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      // Path parameters point at real objects where one exists, so that validation is reached.
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'orderId' || name === 'id' ? order.id : 'inconnu'));
      for (const session of sessions) {
        for (const payload of [{}, wrongTypes(schema)]) {
          const res = await session.inject({ method: method.toUpperCase() as 'POST', url, payload });
          t.not(res.statusCode, 500, `${method} ${path} never answers 500`);
          t.notMatch(res.body, ENGLISH, `${method} ${path} answers in French (${res.statusCode})`);
          if (res.statusCode === 400) checked++;
        }
      }
    }
  }
  t.ok(checked >= 20, `validation was reached on many operations (${checked})`);
});

/** Forms of a page, with their action and whether they ask for any input (buttons alone are actions, not sent). */
function formsOf(html: string): { action: string; fields: string[] }[] {
  const forms: { action: string; fields: string[] }[] = [];
  for (const [, attributes, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (!/method="post"/i.test(attributes!)) continue;
    const action = /action="([^"]+)"/.exec(attributes!)?.[1];
    if (!action) continue;
    const fields = [...inner!.matchAll(/<(?:input|select|textarea)\b[^>]*name="([^"]+)"[^>]*>/g)]
      .filter(([tag]) => !/type="(hidden|submit)"/.test(tag!))
      .map(([, name]) => name!);
    if (fields.length) forms.push({ action: action.replace(/&amp;/g, '&'), fields });
  }
  return forms;
}

t.test('a form sent empty answers in French, in place, on every page of every role', async (t) => {
  const { app, db, clock } = await buildTestApp(t);
  seedReference(db);
  const world = await seedWorld(db);
  createProgram(db);
  createApprovedOrder(db, clock, { buyer: world.buyerAdmin, operator: world.operatorAdmin, bookletCount: 2 });
  const place = await createPlace(db);
  let sent = 0;
  for (const user of [world.operatorAdmin, world.operatorFinance, world.buyerAdmin, world.prescriberAdmin, place.admin]) {
    const session = await loginAs(app, user);
    const dashboard = await session.inject({ method: 'GET', url: '/tableau-de-bord', headers: { accept: 'text/html' } });
    const links = new Set([...dashboard.body.matchAll(/href="(\/[^"#?]*)"/g)].map(([, href]) => href!).filter((h) => !h.startsWith('/dsfr/') && !h.startsWith('/static/') && !h.startsWith('/api/')));
    for (const href of links) {
      const page = await session.inject({ method: 'GET', url: href, headers: { accept: 'text/html' } });
      t.not(page.statusCode, 500, `GET ${href}`);
      for (const form of formsOf(page.body)) {
        const payload = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '' }).toString();
        const res = await session.inject({
          method: 'POST',
          url: form.action,
          payload,
          headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        });
        sent++;
        t.not(res.statusCode, 500, `POST ${form.action} from ${href}`);
        t.notMatch(res.body, ENGLISH, `POST ${form.action} from ${href} answers in French`);
      }
    }
  }
  t.ok(sent >= 5, `forms were sent (${sent})`);
});
