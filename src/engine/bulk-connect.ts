/**
 * Where connecting lived before it was split: `connect-records.ts` (the one write path) and `connect-jobs.ts`
 * (bulk connect jobs on the shared job runner). Kept so existing imports keep working.
 */
export { findBulkJob } from '../store/bulk-jobs/bulk-job-rows.ts';
export {
  type BulkJobDeps,
  CONNECT_JOB_KIND,
  type ConnectFilter,
  ConnectFilterSchema,
  type ConnectJobParams,
  type ConnectJobResult,
  createConnectJob,
  MAX_LISTED_REFUSALS,
  parseJobResult,
  runBulkJobs,
  startBulkJobRunner,
} from './connect-jobs.ts';
export {
  type ConnectOutcome,
  type ConnectRecordsInput,
  connectRecords,
  // The API's name for `connectRecords` (the same function), until the route files import it by its name.
  connectRecords as connectRecordIds,
} from './connect-records.ts';
