/**
 * Pausing and resuming are plain row changes in the store. Records are connected only by `connectRecords`
 * (`connect-records.ts`). Kept so existing imports keep working.
 */
export { pauseConnection, resumeConnection } from '../store/connections/pause-connection.ts';
