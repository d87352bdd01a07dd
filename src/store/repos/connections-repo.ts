/**
 * Split by job into src/store/connections/*; this file re-exports them so existing imports keep working.
 */

export * from '../connections/connect-lookups.ts';
export * from '../connections/connection-rows.ts';
export * from '../connections/end-connections.ts';
export * from '../connections/list-connections.ts';
