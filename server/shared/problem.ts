/**
 * Domain errors with stable codes. Services throw these; the error plugin turns them
 * into problem+json (RFC 9457) for API callers and a French error page for browsers.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly extra?: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'DomainError';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
    this.extra = options.extra;
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new DomainError(400, code, detail, { errors });
export const unauthorized = (code: string, detail: string) => new DomainError(401, code, detail);
export const forbidden = (code: string, detail: string) => new DomainError(403, code, detail);
export const notFound = (code: string, detail: string) => new DomainError(404, code, detail);
export const conflict = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new DomainError(409, code, detail, { extra });
export const unprocessable = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new DomainError(422, code, detail, { extra });
export const tooManyRequests = (code: string, detail: string, retryAfterSeconds: number) =>
  new DomainError(429, code, detail, { headers: { 'retry-after': String(retryAfterSeconds) } });

/** French titles shown for each HTTP status, in problem+json `title` and on error pages. */
export const STATUS_TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Connexion requise',
  403: 'Accès refusé',
  404: 'Introuvable',
  405: 'Méthode non autorisée',
  408: 'Délai dépassé',
  409: 'Conflit',
  413: 'Contenu trop volumineux',
  414: 'Adresse trop longue',
  415: 'Type de contenu non pris en charge',
  422: 'Règle métier non respectée',
  429: 'Trop de tentatives',
  431: 'En-têtes trop volumineux',
  500: 'Erreur interne',
  503: 'Service indisponible',
};

export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? (status >= 500 ? 'Erreur interne' : 'Erreur');
}
