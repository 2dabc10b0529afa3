/**
 * Distribution's use cases: designations, allotments and returns (distribution.core.ts), hand-outs
 * to beneficiaries (distribution.handouts.ts), blocking (distribution.blocking.ts).
 */
export * from './distribution.core.ts';
export * from './distribution.handouts.ts';
export * from './distribution.blocking.ts';
