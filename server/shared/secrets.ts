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

let lastIdMillis = 0;
let idSequence = 0;

/**
 * A UUID version 7 (RFC 9562 § 5.7): 48-bit Unix milliseconds, a 12-bit sequence that keeps ids
 * of one millisecond in creation order, then 62 random bits. For rows appended in volume (journal
 * entries, redemptions): consecutive ids land on the same last page of each index instead of a
 * random one, so a commit writes a few pages instead of one per index. Not for anything secret:
 * the id tells when the row was created.
 */
export function newOrderedId(now: number = Date.now()): string {
  if (now > lastIdMillis) {
    lastIdMillis = now;
    idSequence = 0;
  } else if (++idSequence > 0xfff) {
    // 4 096 ids in one millisecond: borrow the next millisecond rather than lose the order.
    lastIdMillis++;
    idSequence = 0;
  }
  // randomUUID draws from Node's pooled entropy: its random part and variant bits are kept, the
  // time and version fields are written over (xxxxxxxx-xxxx-4xxx-… becomes tttttttt-tttt-7sss-…).
  const random = randomUUID();
  const time = lastIdMillis.toString(16).padStart(12, '0');
  const sequence = idSequence.toString(16).padStart(3, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${sequence}${random.slice(18)}`;
}
