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
    'the V8 heap peak is shown beside the RSS, and the two databases differ. PostgreSQL: the heap is most of it and ' +
    'grows with the backlog, not the batch (83 MiB at 2,000 due in a trial run; a batch of 1,000 tasks with their ' +
    'rows is a few MiB), so either something is kept per due task or garbage outruns the collector at this ' +
    'allocation rate. SQLite: the heap stays small and most of the RSS is native memory (SQLite and the ' +
    "allocator's arenas) on top of the Node runtime and the server bundle (an engine-only worker no longer loads " +
    'the mail, IMAP, SMTP and webhook modules). A heap snapshot (`--heapsnapshot-signal`) and a native-memory ' +
    'look are the next steps; neither was taken yet.',
  '`serve` RSS':
    'heap snapshots of the built `serve` (`BENCH_SERVE_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2`): about 55 MiB ' +
    'live after the load, nearly all of it module source and compiled code; nothing is kept per request or per ' +
    'token beyond the per-process cache (a few entries per user). Idle, the process is about 160 MiB. What grew ' +
    'during the scenarios was garbage headroom of the V8 heap (the peak beside the RSS) and native memory kept by ' +
    "the allocator's per-thread arenas, both driven by how much each request allocates; most came from the " +
    "Up next load, which read the organisation's unit tree and settings and rebuilt its policy on every request. " +
    'With that policy, the token, the actor and the viewer context cached per process, two back-to-back runs at ' +
    '1,000 sellers ended at 195–247 MiB on SQLite (main: 452–512) and 240–300 MiB on PostgreSQL (main: 392–507); ' +
    'on PostgreSQL the V8 heap peaks at 250–275 MiB of mostly garbage (row objects of the pg driver), so that ' +
    'figure sits at the bar. `MALLOC_ARENA_MAX=2` took another 10–20 MiB off in a replay; it is not set.',
  'GET /api/worklist':
    'one `serve` process on a 2-core machine shared with the load generator and the database: under 50 clients ' +
    'the requests queue for CPU, so p99 ≈ 50 ÷ req/s plus jitter and both bars come down to CPU time per request ' +
    '(at 1,000 req/s: 1 ms). Profiled under the load (`BENCH_SERVE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=…"`). ' +
    "Before: each request read the token, the user, their roles, the viewer's zone and the organisation's " +
    'settings, touched the token, read and parsed the sequence definitions and then ran the page query, whose ' +
    'plan on SQLite put the one-row sequences table first and sorted every due step of the seller (in ' +
    'isolation 1.1–2.8 ms a page before, 0.6–0.9 ms after, on the shared machine). Now the token, actor, ' +
    'zone, policy and parsed definitions come from a per-process cache (2 s; emptied by any write to tokens, ' +
    'users, roles, settings or units through the ' +
    "process's store), the sequence name is a subquery so the page is read in the open-steps index's order, and " +
    'the 200 page is serialised without a zod re-parse. What dominates now: the page query itself (about a third ' +
    'of the CPU on SQLite: 51 rows with their connection, record, sequence and follow look-ups, plus a sort of ' +
    'same-time steps by priority and id that an index ending in (priority desc, id) would save, a migration), ' +
    'then Kysely building and compiling the statement, JSON of about 30 KB per page and the socket writes.',
};
