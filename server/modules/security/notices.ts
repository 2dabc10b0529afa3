import type { DbOrTx } from '../../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { recordSecurityEvent } from './security-events.repository.ts';
import { notifyRepeatedLoginFailures } from '../notifications/lifecycle-notices.ts';

/**
 * Tells an account's owner that someone is failing to sign in as them, instead of locking the
 * account. The event is the record; the mail to the owner is queued by the outbox (issue 13's
 * notifications module) from this same call, in the same transaction, so neither goes without
 * the other; the operator admin also sees the notice in the security log. The mail never says
 * from which address the attempts came.
 */
export function noticeRepeatedLoginFailures(
  db: DbOrTx,
  clock: Clock,
  notice: { userId: string; organisationId: string; email: string; name: string; ip: string; failures: number },
): void {
  notifyRepeatedLoginFailures(db, clock, notice);
  recordSecurityEvent(db, clock, {
    kind: 'login.backoff_notice',
    userId: notice.userId,
    organisationId: notice.organisationId,
    ip: notice.ip,
    data: { email: notice.email, failures: notice.failures },
  });
}
