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
    'the worker is CPU-bound in one process (the engine run reports its CPU seconds beside the wall time; on this ' +
    'shared machine the wall time also counts waiting for a core). Worker CPU profile (`node --cpu-prof` through ' +
    '`BENCH_NODE_FLAGS`, 5th session, 20,000 connections), largest first: SQLite itself executing statements ' +
    'about 45 % (the step-instance upsert alone about 17 %: four rows per connection, each checked against the ' +
    'once-per-node key and written into six B-trees; the commit with its WAL writes about 8 %; the reads that lock ' +
    'and load connections and records, re-read the claimed tasks and mark them done about 10 %), garbage ' +
    'collection about 15 %, building the effect rows about 5 %, `advance` under 10 %. Statement compilation ' +
    'is not a cost: multi-row statements now have a fixed size (100 rows, then one row at a time), so each has ' +
    'two texts prepared once (before, every batch size compiled and kept a new program of about 1 MiB), and a ' +
    'single-row statement per row measured no cheaper in CPU than the multi-row VALUES list. That change, calendar ' +
    'wait ends computed once per batch and date arithmetic without Luxon took about 12–14 % off the CPU per ' +
    'transition. The raw ceiling writes the same rows with sequential keys from one loop, with no reads, no ' +
    'upsert check, no state JSON and no logic; 35 % of it needs fewer rows per transition (the step-instance ' +
    're-upserts and the second timeline row) as well as less JavaScript per row.',
  'Bulk connect':
    'per record: the eligibility reads per chunk of 2,000, then the connection row, the first step instance, the ' +
    '`connected` task and the timeline row, each in multi-row statements; the step-instance and task inserts ' +
    'maintain the same indexes as in scenario 2. Profiled per statement (migration 0028 added the ordered page ' +
    'index and one read less per chunk): the connection insert (four indexes, and the ON CONFLICT check against ' +
    'the one-live-connection index) about 40 % and the task insert about 23 % of the time; under 5 s needs fewer ' +
    'indexes on connections or fewer rows per connection.',
  'Peak RSS of one worker':
    'the V8 heap peak is shown beside the RSS, and the two databases differ. PostgreSQL: the heap is most of it and ' +
    'grows with the backlog, not the batch (83 MiB at 2,000 due in a trial run; a batch of 1,000 tasks with their ' +
    'rows is a few MiB), so either something is kept per due task or garbage outruns the collector at this ' +
    'allocation rate. SQLite: the heap stays small and most of the RSS is native memory (SQLite and the ' +
    "allocator's arenas) on top of the Node runtime and the server bundle (an engine-only worker no longer loads " +
    'the mail, IMAP, SMTP and webhook modules). A heap snapshot (`--heapsnapshot-signal`) and a native-memory ' +
    'look are the next steps; neither was taken yet.',
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
