import { z } from 'zod';
import { problemSchema } from '../shared/schemas.ts';

/**
 * Makes the generated OpenAPI document say what the routes really do, for every route whoever
 * wrote it (the rules read conventions the routes already follow, nothing route by route):
 * - every error response (4xx, 5xx) is one shared `Problem` schema as `application/problem+json`,
 *   which is what the error handler sends;
 * - every operation has an `operationId`, derived from its method and path when not given;
 * - routes documented as accepting `Accept: text/csv` declare their `text/csv` answer; files
 *   (`produces`: PDF, XML, CSV) are declared as binary strings of that type;
 * - request bodies read by a content-type parser rather than a schema (`consumes` without `body`:
 *   the place import) are declared with their media types.
 */

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  description?: string;
  requestBody?: Json;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** `GET /api/v1/organizations/{organisationId}/users` → `getOrganizationsByOrganisationIdUsers`. */
export function operationIdFor(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\/?/, '/')
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^\{(\w+)\}(.*)$/.exec(segment);
      const parts = param ? ['by', param[1]!, param[2]!] : [segment];
      return parts.flatMap((part) => part.split(/[^A-Za-z0-9]+/)).filter(Boolean);
    });
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

/** Body media types of the routes that parse their body themselves, by `METHOD /openapi/path`. */
export type UnschemedBodies = Map<string, string[]>;

export function tellTheTruth(document: Json, unschemedBodies: UnschemedBodies): Json {
  const components = (document.components ??= {}) as Json;
  const schemas = (components.schemas ??= {}) as Json;
  schemas.Problem = z.toJSONSchema(problemSchema, { target: 'openapi-3.0', io: 'output' });
  const seenIds = new Set<string>();
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      let id = operation.operationId ?? operationIdFor(method, path);
      for (let n = 2; seenIds.has(id); n++) id = `${operationIdFor(method, path)}${n}`;
      seenIds.add(id);
      operation.operationId = id;
      const bodyTypes = unschemedBodies.get(`${method.toUpperCase()} ${path}`);
      if (bodyTypes && !operation.requestBody) {
        operation.requestBody = {
          required: true,
          content: Object.fromEntries(bodyTypes.map((type) => [type, { schema: type.includes('json') ? { type: 'array', items: { type: 'object' } } : { type: 'string' } }])),
        };
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) >= 400 || status.startsWith('4') || status.startsWith('5')) {
          response.content = { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF } };
          continue;
        }
        if (!status.startsWith('2') || !response.content) continue;
        for (const [type, media] of Object.entries(response.content)) {
          if (!type.includes('json')) media.schema = { type: 'string', format: 'binary', ...(media.schema?.description ? { description: media.schema.description } : {}) };
        }
        if (operation.description?.includes('text/csv') && !response.content['text/csv']) {
          response.content['text/csv'] = { schema: { type: 'string', description: 'La même liste en CSV' } };
        }
      }
    }
  }
  return document;
}
