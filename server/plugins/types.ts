import type { Config } from '../config.ts';
import type { Db } from '../../db/client.ts';
import type { GroupCommit } from '../../db/group-commit.ts';
import type { Checkpointer } from '../../db/checkpointer.ts';
import type { Clock } from '../shared/clock.ts';
import type { Actor } from '../modules/identity/actor.ts';
import type { Access } from './auth.ts';
import type { PassCodeFactory } from '../modules/booklets/pass-code.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    clock: Clock;
    /** Signs and verifies pass codes with the configured secret. */
    passCodes: PassCodeFactory;
    /** Runs the hottest writes (redemptions) of one event-loop turn in one commit: see db/group-commit.ts. */
    groupCommit: GroupCommit;
    /** The WAL checkpoint thread (db/checkpointer.ts): /readyz asks whether it is stuck. */
    checkpointer: Checkpointer;
  }
  interface FastifyRequest {
    /** The authenticated caller, or null for anonymous requests. */
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route: 'public', or role patterns such as 'operator:admin', 'buyer:*', '*:admin', '*'. */
    access?: Access;
    /** Set to false on the few state-changing routes that need no CSRF token (login, invitation acceptance). */
    csrf?: boolean;
    /**
     * A sensitive action (approving a batch, marking it paid, changing bank details): a user with a
     * second factor gives a fresh one (header X-Second-Factor or form field secondFactorCode).
     */
    stepUp?: boolean;
    /** The route checks the Authorization header itself (GET /metrics): the auth plugin leaves it alone. */
    ownBearerToken?: boolean;
  }
}
