import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A random token for cookies, invitations and API tokens: 256 bits, URL-safe. */
export function randomToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Tokens are stored as their SHA-256 only: a database leak gives no usable session or API token. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export const newId = (): string => randomUUID();
