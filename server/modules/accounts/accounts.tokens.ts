/** API tokens: created from a session only, listed with their last use, revoked. */
import type { Db } from '../../../db/client.ts';
import { newId, randomToken, sha256Hex } from '../../shared/secrets.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { type Actor } from '../identity/actor.ts';
import { credentialsChanged } from '../identity/actor-cache.ts';
import { insertApiToken, listLiveApiTokensOfUser, revokeApiTokenOfUser } from './credentials.repository.ts';
import { recordSecurityEvent } from '../security/security-events.repository.ts';

import type { Deps } from './accounts.core.ts';
import { apiTokenNotFound, tokenNeedsSession } from './accounts.errors.ts';

/**
 * Tokens are made by a person in a session, never by another token: a leaked token must not be
 * able to mint fresh ones that outlive its revocation.
 */
export function createApiToken({ db, clock, actor, name, expiresInDays, ip }: Deps & { actor: Actor; name: string; expiresInDays?: number; ip?: string }) {
  if (actor.via !== 'session') throw tokenNeedsSession();
  const token = randomToken('pn_');
  const now = clock.now();
  const expiresAt = expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * 86_400_000).toISOString();
  const row = { id: newId(), userId: actor.userId, name, tokenHash: sha256Hex(token), createdAt: now.toISOString(), lastUsedAt: null, expiresAt };
  db.transaction((tx) => {
    insertApiToken(tx, row);
    recordAudit(tx, clock, actor, 'api_token.created', { type: 'api_token', id: row.id }, { name });
    recordSecurityEvent(tx, clock, { kind: 'api_token.created', userId: actor.userId, organisationId: actor.organisationId, ip, data: { tokenId: row.id, name, expiresAt } });
  });
  return { id: row.id, name, createdAt: row.createdAt, lastUsedAt: null, expiresAt, token };
}

export function listApiTokens({ db, actor }: { db: Db; actor: Actor }) {
  return listLiveApiTokensOfUser(db, actor.userId);
}

export function revokeApiToken({ db, clock, actor, tokenId, ip }: Deps & { actor: Actor; tokenId: string; ip?: string }): void {
  db.transaction((tx) => {
    if (!revokeApiTokenOfUser(tx, tokenId, actor.userId, clock.now().toISOString())) throw apiTokenNotFound();
    credentialsChanged(tx);
    recordAudit(tx, clock, actor, 'api_token.revoked', { type: 'api_token', id: tokenId });
    recordSecurityEvent(tx, clock, { kind: 'api_token.revoked', userId: actor.userId, organisationId: actor.organisationId, ip, data: { tokenId } });
  });
}

