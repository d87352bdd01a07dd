/**
 * The engine's SQL, one module per job under `./engine/`: claiming and finishing due work (`tasks.ts`), loading
 * what `advance` needs (`load.ts`), writing its results (`write.ts`), the write transaction, and the multi-row
 * statement builders both dialects share (`multi-row.ts`).
 */

export * from './engine/claims.ts';
export * from './engine/dead-tasks.ts';
export * from './engine/load.ts';
export * from './engine/tasks.ts';
export * from './engine/write.ts';
export * from './engine/write-transaction.ts';
