export * from './accounts.ts';
export * from './programs.ts';
export * from './ledger.ts';
export * from './orders.ts';
export * from './booklets.ts';
