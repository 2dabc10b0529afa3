/** Where a person goes after signing in when the requested page cannot be trusted. */
export const DEFAULT_RETURN_PATH = '/tableau-de-bord';

// One path segment or query of plain URL characters (RFC 3986 pchar, '/', '?', already
// percent-encoded bytes). No backslash (browsers read `/\evil.example` as `//evil.example`), no
// whitespace or control character (browsers drop a TAB, turning `/<TAB>/evil` into `//evil`, and a
// CR/LF would not even fit in a Location header), nothing above U+007F (not allowed in a header).
const CLEAN_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

/**
 * Only same-origin relative paths are followed after login: an open redirect would help phishing.
 * Anything else, however it would be read by a browser, goes to the dashboard.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1000) return DEFAULT_RETURN_PATH;
  if (!CLEAN_PATH.test(value) || value.startsWith('//')) return DEFAULT_RETURN_PATH;
  // An encoded slash or backslash at the start decodes into the same trick on some stacks.
  if (/^\/%(2f|5c)/i.test(value)) return DEFAULT_RETURN_PATH;
  return value;
}
