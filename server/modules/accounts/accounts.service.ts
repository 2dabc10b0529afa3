/**
 * Accounts' use cases: sign-in, sessions and organisations (accounts.core.ts), users and their
 * invitations (accounts.users.ts), API tokens (accounts.tokens.ts).
 */
export * from './accounts.core.ts';
export * from './accounts.users.ts';
export * from './accounts.tokens.ts';
