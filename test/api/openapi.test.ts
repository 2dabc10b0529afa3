import t from 'tap';
import { Ajv } from 'ajv';
import { buildTestApp, loginAs } from '../helpers/app.ts';
import { seedWorld } from '../helpers/fixtures.ts';

interface Media {
  schema?: { $ref?: string; type?: string; format?: string };
}
interface Operation {
  operationId?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
type Paths = Record<string, Record<string, Operation>>;

const operationsOf = (paths: Paths) =>
  Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

/** A concrete URL for an OpenAPI path: every parameter filled with a value that names nothing. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'inexistant0000');

t.test('the OpenAPI document tells the truth about errors, identifiers, media types, bodies and public routes', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Paths; components: { schemas: Record<string, unknown> } };
  const operations = operationsOf(doc.paths);
  t.ok(operations.length >= 90, `${operations.length} operations`);
  t.ok(doc.components.schemas.Problem, 'one shared problem schema');

  const ids = operations.map(({ op }) => op.operationId);
  t.notOk(ids.some((id) => !id), 'every operation has an operationId');
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');

  let errorResponses = 0;
  for (const { path, method, op } of operations) {
    for (const [status, response] of Object.entries(op.responses)) {
      if (Number(status) < 400) continue;
      errorResponses++;
      t.same(Object.keys(response.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}: problem+json only`);
      t.equal(response.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/Problem');
    }
    if (op.description?.includes('text/csv')) t.ok(op.responses['200']?.content?.['text/csv'], `${method} ${path} declares its CSV answer`);
    for (const [type, media] of Object.entries(op.responses['200']?.content ?? {})) {
      if (/pdf|xml/.test(type)) t.same(media.schema?.format, 'binary', `${method} ${path}: ${type} is a file`);
    }
  }
  t.ok(errorResponses > 300, `${errorResponses} error responses, all problem+json`);

  const importBody = doc.paths['/api/v1/places/import']?.post?.requestBody?.content ?? {};
  t.ok(importBody['text/csv'] && importBody['application/json'], 'the import declares its CSV or JSON body');
  t.same(doc.paths['/api/v1/session']?.post?.security, [], 'signing in is public');
  t.same(doc.paths['/api/v1/me']?.get?.security, undefined, 'the rest asks for a credential');

  // Every $ref points somewhere.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of new Set(refs)) {
    const name = /#\/components\/schemas\/([^"]+)/.exec(ref)?.[1];
    t.ok(name && doc.components.schemas[name], `${ref} resolves`);
  }
});

t.test('every operation answers as declared: anonymous calls, public or not, and a signed-in tour of the lists', async (t) => {
  const { app, db } = await buildTestApp(t);
  const world = await seedWorld(db);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Paths; components: { schemas: Record<string, object> } };
  const ajv = new Ajv({ strict: false });
  const isProblem = ajv.compile(doc.components.schemas.Problem!);

  for (const { path, method, op } of operationsOf(doc.paths)) {
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    if (!path.startsWith('/api/v1/') || method === 'DELETE' && path === '/api/v1/session') continue;
    const res = await app.inject({ method: method as 'GET', url: concrete(path), payload: method === 'GET' ? undefined : {} });
    const name = `${method} ${path} → ${res.statusCode}`;
    t.ok(op.responses[String(res.statusCode)], `${name} is declared`);
    if (isPublic) t.not(res.statusCode, 401, `${name}: declared public, answers without a credential`);
    else t.equal(res.statusCode, 401, `${name}: declared secured, asks for a credential`);
    if (res.statusCode >= 400) {
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`);
      t.ok(isProblem(res.json()), `${name}: body matches the Problem schema`);
    }
  }

  const admin = await loginAs(app, world.operatorAdmin);
  for (const { path, method, op } of operationsOf(doc.paths)) {
    if (method !== 'GET' || path.includes('{') || !path.startsWith('/api/v1/')) continue;
    const res = await admin.inject({ method: 'GET', url: path });
    const name = `GET ${path} as the operator → ${res.statusCode}`;
    t.ok(op.responses[String(res.statusCode)], `${name} is declared`);
    const type = String(res.headers['content-type']).split(';')[0]!;
    const declared = Object.keys(op.responses[String(res.statusCode)]?.content ?? {});
    t.ok(declared.includes(type), `${name}: ${type} is among ${declared.join(', ')}`);
    if (res.statusCode === 200 && op.responses['200']?.content?.['text/csv']) {
      const csv = await admin.inject({ method: 'GET', url: path, headers: { accept: 'text/csv' } });
      t.match(csv.headers['content-type'], /^text\/csv/, `GET ${path}: the declared CSV answer`);
    }
  }
});
