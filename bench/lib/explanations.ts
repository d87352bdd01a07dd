/**
 * What dominates where one of #17's bars is missed, keyed by the start of the bar's measure. Written from
 * profiles of this code (`node --cpu-prof` on the worker and per-statement timing, BENCHMARKS.md of the 3rd
 * session) and from this run's own figures; BENCHMARKS.md prints the entry for every missed bar.
 */
export const EXPLANATIONS: Record<string, string> = {
  'PostgreSQL, 1 worker: transitions/s ÷ graphile-worker no-op':
    'the worker waits on the server. Per connection the batch writes about nine rows (three step-instance ' +
    'upserts, one message, two timeline rows, one timer task, the connection state, the record field) and the ' +
    'done mark, about 25 index entries; a no-op job is one row inserted, locked and deleted. Server time per batch, ' +
    'largest first (profile of the 3rd session): the step-instance upsert (each row maintains primary key, ' +
    'once-per-node, work-list and record indexes), the claim, the connection state, the task inserts and done ' +
    'marks. Migration 0025 already moved the claim inside the batch transaction (no lease write per task), made ' +
    'the pending-task and open-step indexes partial, set fill factors for HOT updates and skips unchanged ' +
    'connection rows (1 worker: 1,488 → 1,659 transitions/s, 3 workers: 1,992 → 3,085 in a same-machine ' +
    'before/after at 20,000); fewer rows per transition (one timeline row, no re-upsert of completed steps) is ' +
    'what is left.',
  'PostgreSQL, 3 workers: transitions/s ÷ graphile-worker no-op':
    'as with one worker, plus the machine: three worker processes and the PostgreSQL backends share 2 cores ' +
    '(and, in this run, the load of other jobs: see the load average above), so a second and third worker add ' +
    'little; the no-op baseline is measured with one process on the same cores.',
  'PostgreSQL, 1 worker: transitions/s ÷ the same sequence':
    'the naive baseline pays about 12 round trips and one commit per connection; when it comes close, the ' +
    "engine's own per-batch server time (above) is what is left to cut.",
  'PostgreSQL, 3 workers: transitions/s ÷ the same sequence':
    'see the one-worker line: the engine is bound by server time per row written, the baseline by round trips.',
  'SQLite: transitions/s':
    'the raw ceiling only inserts and updates the same rows with prepared statements in the bench process; the ' +
    'engine also claims the tasks, locks and loads connections, records, users and org settings, parses and ' +
    "serialises each connection's state JSON, runs `advance` (about a quarter of the worker's CPU profile) and " +
    'builds its statements through Kysely. On this shared machine the worker is a separate process competing for ' +
    'the two cores, which costs the CPU-bound engine more than the ceiling loop.',
  'Bulk connect':
    'per record: the eligibility reads per chunk of 2,000, then the connection row, the first step instance, the ' +
    '`connected` task and the timeline row, each in multi-row statements; the step-instance and task inserts ' +
    'maintain the same indexes as in scenario 2. Profiled per statement (migration 0028 added the ordered page ' +
    'index and one read less per chunk): the connection insert (four indexes, and the ON CONFLICT check against ' +
    'the one-live-connection index) about 40 % and the task insert about 23 % of the time; under 5 s needs fewer ' +
    'indexes on connections or fewer rows per connection.',
  'Peak RSS of one worker':
    'garbage V8 let pile up, not retained data, on both databases (5th session, heap snapshots, GC traces and ' +
    '/proc/PID/smaps of the worker). PostgreSQL: 26 MiB live as the drain starts (the code and libraries loaded; ' +
    "the largest single item is date-holidays' data), 35–40 MiB in the middle of a batch of 1,000 tasks, and no " +
    'growth over the drain (38–40 MiB after every full collection, first batch to last). A batch allocates ' +
    'about 50 MiB (a third of it pg turning ' +
    'the `unnest` arrays into array literals, a sixth Luxon in the wait arithmetic); what lives through the batch ' +
    "reaches the old generation, which with Node's default heap limit (4 GiB on this machine) V8 let grow to ~4× " +
    'the live set before a full collection: heap peaks of 160–185 MiB. Below a 2 GiB limit V8 grows the heap by ' +
    'a smaller factor (~1.9 at 1024 MiB), so workers now run with `--max-old-space-size=1024` (docker-compose.yml, ' +
    'the systemd unit, docs/operations.md; the bench starts them the same way): heap peak ~80 MiB at the same ' +
    'throughput in back-to-back runs; 512 MiB (factor ~1.5) cost about a fifth of the throughput. SQLite: not ' +
    'native memory either: the same heap pattern (peaks of 130–180 MiB, RSS 260–300 MiB at 20,000 due without ' +
    'the limit, 190–200 MiB with it); at the peak with the limit: V8 heap pages 83 MiB, the node binary 48 MiB ' +
    '(file-backed), the main malloc heap 34 MiB (SQLite pages and cached statements: one multi-row statement of ' +
    '~12,000 parameters holds ~1 MiB; the run prepared 14 such) and 12 MiB of malloc arenas. The heap probe had ' +
    'not seen it: a SQLite batch never waits for I/O, so the worker ran the whole backlog as one stretch of ' +
    'microtasks (no timer, no SIGTERM, no V8 GC task until it was empty); it now yields between batches. Left for ' +
    'the 150 MiB goal: a smaller live set (load libraries the engine rarely needs on demand) and less allocation ' +
    'per batch, so that a lower limit does not cost throughput.',
  '`serve` RSS':
    'the V8 heap peak is shown beside it; the rest is the runtime, the bundle and the buffers of 50 concurrent ' +
    'keep-alive sockets plus the database pool.',
  'GET /api/worklist':
    'one `serve` process on a 2-core machine shared with the load generator and the database: under 50 clients ' +
    'the requests queue for CPU, so p99 ≈ 50 ÷ req/s plus jitter and both bars come down to CPU time per request ' +
    "(at 1,000 req/s: 1 ms). Per request: bearer-token hash and lookup, the seller's permissions, the work-list " +
    'query and its count, then JSON serialisation of 50 items. On SQLite the query plan matters as much: without ' +
    "planner statistics SQLite read a seller's list through the overdue check's (status, due_at) index, so a " +
    'page took 70–300 ms and 50 clients got 14 req/s; stores now keep statistics (`PRAGMA optimize` at open and ' +
    'hourly). Caching the token and permission look-ups per process is the cheapest next step; no profile of ' +
    '`serve` was taken yet.',
};
