/**
 * The sequences store, split by job into src/store/sequences/*. This file re-exports them so existing imports keep
 * working.
 */

export * from '../sequences/edit-sequence.ts';
export * from '../sequences/list-sequences.ts';
export * from '../sequences/sequence-lifecycle.ts';
export * from '../sequences/sequence-rows.ts';
export * from '../sequences/sequence-transfer.ts';
export * from '../sequences/sequence-versions.ts';
export { tagsOfSequences } from './tags-repo.ts';
