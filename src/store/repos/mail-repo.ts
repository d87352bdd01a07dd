/**
 * Split by job into src/store/mail/*; this file re-exports them so existing imports keep working.
 */
export * from '../mail/claim-messages.ts';
export * from '../mail/engagements.ts';
export * from '../mail/find-messages.ts';
export * from '../mail/hold-messages.ts';
export * from '../mail/list-outbox.ts';
