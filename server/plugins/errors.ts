import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { DomainError, statusTitle, type FieldError } from '../shared/problem.ts';
import { asSentence } from '../shared/forms.ts';
import { noSuchAddress } from '../shared/shared.errors.ts';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** Fastify's own 4xx errors, given stable codes and French words. */
const FASTIFY_CODES: Record<string, { code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', detail: 'Type de contenu non pris en charge : envoyez du JSON.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', detail: 'Le contenu envoyé est trop volumineux.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', detail: 'Le corps de la requête est vide alors que du JSON est attendu.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', detail: 'Le corps de la requête n’est pas du JSON valide.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_request', detail: 'En-tête Content-Length incohérent.' },
  FST_ERR_BAD_URL: { code: 'bad_url', detail: 'L’adresse demandée contient un encodage invalide.' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', detail: 'L’adresse demandée est trop longue.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'bad_request', detail: 'La requête ne peut pas être traitée.' },
  FST_CSRF_INVALID_TOKEN: { code: 'csrf_token_invalid', detail: 'Jeton anti-CSRF absent ou invalide : rechargez la page et recommencez.' },
  FST_CSRF_MISSING_SECRET: { code: 'csrf_token_invalid', detail: 'Jeton anti-CSRF absent ou invalide : rechargez la page et recommencez.' },
};

function zodIssuesToFieldErrors(issues: { path: PropertyKey[]; message: string }[], prefix?: string): FieldError[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.'),
    message: asSentence(issue.message),
  }));
}

export function toProblem(error: unknown, request: FastifyRequest): { problem: ProblemBody; headers: Record<string, string> } {
  const make = (status: number, code: string, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody => ({
    type: `https://pass-numerique.example/problemes/${code}`,
    title: statusTitle(status),
    status,
    detail,
    code,
    ...extra,
  });

  if (error instanceof DomainError) {
    return {
      problem: make(error.status, error.code, error.message, { ...(error.errors ? { errors: error.errors } : {}), ...error.extra }),
      headers: error.headers ?? {},
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext;
    const errors: FieldError[] = error.validation.map((v) => ({
      path: [context === 'body' ? undefined : context, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: asSentence(v.message ?? 'valeur invalide'),
    }));
    return { problem: make(400, 'validation_failed', 'Certaines valeurs envoyées sont invalides.', { errors }), headers: {} };
  }
  if (error instanceof ZodError) {
    return {
      problem: make(400, 'validation_failed', 'Certaines valeurs envoyées sont invalides.', { errors: zodIssuesToFieldErrors(error.issues) }),
      headers: {},
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code && FASTIFY_CODES[fastifyError.code]) {
    const known = FASTIFY_CODES[fastifyError.code]!;
    return { problem: make(fastifyError.statusCode ?? 400, known.code, known.detail), headers: {} };
  }
  if (fastifyError.statusCode === 429) {
    return { problem: make(429, 'rate_limited', 'Trop de requêtes : patientez avant de réessayer.'), headers: {} };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500 && !isResponseSerializationError(error)) {
    return { problem: make(fastifyError.statusCode, 'bad_request', 'La requête ne peut pas être traitée.'), headers: {} };
  }
  if (fastifyError.code === 'SQLITE_BUSY' || fastifyError.code?.startsWith('SQLITE_BUSY_')) {
    // Another process (a script: batch, expiry, import) held the write lock past the busy timeout.
    // Nothing was written; the same request will pass once it is done.
    request.log.warn({ err: error }, 'database busy');
    return {
      problem: make(503, 'service_busy', 'Le service est momentanément occupé par un traitement : réessayez dans quelques secondes.'),
      headers: { 'retry-after': '5' },
    };
  }
  request.log.error({ err: error }, 'unexpected error');
  // Never the message: it may hold SQL or internals.
  return { problem: make(500, 'internal_error', 'Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez plus tard.'), headers: {} };
}

/** JSON callers (the API, scripts, fetch) get problem+json; browsers navigating get an HTML page. */
export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

export async function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  const { problem, headers } = toProblem(error, request);
  reply.headers(headers);
  reply.code(problem.status);
  if (wantsHtml(request) && reply.renderPage) {
    if (problem.status === 401) {
      return reply.redirect(`/connexion?retour=${encodeURIComponent(request.url)}`, 303);
    }
    return reply.renderPage('pages/error.eta', { problem, title: problem.title });
  }
  return reply.type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (bad percent-encoding, a path parameter
 * past maxParamLength) answered like every other error instead of Fastify's bare JSON.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void sendProblem(request, reply, error);
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'headers_too_large',
    detail: 'Les en-têtes de la requête sont trop volumineux.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'request_timeout', detail: 'La requête n’est pas arrivée à temps.' },
  HPE_URI_TOO_LONG: { status: 414, reason: 'URI Too Long', code: 'uri_too_long', detail: 'L’adresse demandée est trop longue.' },
};

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser cannot read (headers too large, a
 * malformed request line) never reach Fastify. The answer is problem+json with `Connection: close`,
 * and the socket is ended after it: the rest of what the client sent cannot be parsed, so the
 * connection cannot serve another request, and the client must be told rather than reset.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, reason: 'Bad Request', code: 'bad_request', detail: 'La requête est mal formée.' };
  const body = JSON.stringify({
    type: `https://pass-numerique.example/problemes/${known.code}`,
    title: statusTitle(known.status),
    status: known.status,
    detail: known.detail,
    code: known.code,
  });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${known.status} ${known.reason}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
}

export default fp(
  async (app) => {
    app.setErrorHandler(async (error, request, reply) => sendProblem(request, reply, error));
    app.setNotFoundHandler(async (request, reply) =>
      sendProblem(request, reply, noSuchAddress(request.method, request.url.split('?')[0]!)),
    );
  },
  { name: 'errors' },
);
