/**
 * What dominates where one of #17's bars is missed, keyed by the start of the bar's measure. Written from
 * profiles of this code (`node --cpu-prof` on the worker and per-statement timing, BENCHMARKS.md of the 3rd
 * session) and from this run's own figures; BENCHMARKS.md prints the entry for every missed bar.
 */

/** One paragraph, or a summary followed by the points it rests on (printed as nested bullets). */
export type Explanation = string | readonly [string, ...string[]];
export const EXPLANATIONS: Record<string, Explanation> = {
  'PostgreSQL, 1 worker: transitions/s ÷ graphile-worker no-op': [
    'out of reach for this design on two cores, and not by writing less: a build that stores no step row and no ' +
      'timeline entry at all drains at about 0.6× of the no-op queue (10th session, below). A transition costs ' +
      'about twice the CPU of a no-op job even with nothing but the outbox, the record, the connection and the ' +
      'timer left to write.',
    'What a transition writes: a connection in scenario 2 makes three transitions in one batch (automated email, ' +
      'update field, wait) and writes eleven rows for them: four step instances (the finished wait, the email and ' +
      'field steps, the next wait), one message, two timeline entries (email queued, field set), one timer task, ' +
      'the connection state, the record field and the done mark of its task, about 33 index entries; none is a ' +
      'repeat. A no-op job is one row claimed and deleted in batches (it is queued before the clock starts).',
    'CPU: in the default run one worker and its server use 78–81 µs per transition together (the engine rows ' +
      'below give both sides), while the no-op queue needs at most 45–53 µs of the two cores per job. With three ' +
      'batches in flight one worker and its server keep both cores busy, so only less CPU per transition raises ' +
      'the figure.',
    'The upper bound of storing less (10th session, 20,000 connections, one worker, the no-op queue measured in ' +
      'the same script at 60,000 jobs, two rounds): no-op 43,368 / 45,828 jobs/s; our drain as shipped 18,206 / ' +
      '17,873 transitions/s (0.40×); built without the step rows of the wait and update-field steps 22,588 / ' +
      '22,083 (0.50×); built without any step row or timeline entry 26,117 / 26,465 (0.59×). So the product ' +
      'decision the 9th session pointed at (no stored row for a step that finishes at once) would not reach the ' +
      'bar either: what no build can drop (the claim, the connection lock and load, `advance`, the outbox row, the ' +
      'record and connection updates, the timer and the done mark) used worker 2.05 + server 2.6–3.0 CPU-s per ' +
      '60,000 transitions, against 0.8 + 1.3–1.9 CPU-s for 60,000 no-op jobs including queueing them.',
    'Nor by another design (11th session, `bench/experiments/connection-timer-ceiling.ts`): an engine whose timers ' +
      'live on the connection row (no task rows, the claim inside the batch transaction), reduced to plain SQL with ' +
      'no domain code at all, drains scenario 2 at 0.81–0.89× of the no-op queue measured in the same rounds while ' +
      'it writes the step history (36,303–38,685 against 43,361–44,652 jobs/s, 20,000 connections, load below 2), ' +
      'and at 1.27–1.28× only when it writes no step row and no timeline entry. Its client used 0.6–0.7 CPU-s per ' +
      "60,000 transitions where our worker's domain code and batching use 2.05; with both cores busy, adding that " +
      'difference to its CPU puts a rewrite with the same behaviour near 0.6× (an estimate by CPU, not a run).',
    'Nothing dominates: statement time per 20,000 connections (ms, pg_stat_statements, 9th session): step inserts ' +
      '617, the finished-wait update 447, the message insert 401, timeline 242, record update 227, done marks 208, ' +
      'task insert 208, connection update 163, claim 119, connection lock 72. A perf profile of the server is flat ' +
      "(no function above 3 % of its samples), and so is the worker's (garbage collection about a fifth).",
    'Tried and not kept, each measured no faster: named prepared statements (planning is 4 % of statement time; ' +
      '9th session); COPY instead of `INSERT … SELECT unnest(…)` for the fresh rows (in isolation 25 % less server ' +
      'CPU for 60,000 step rows, in the drain within the noise: 18,106–19,089 against 17,950–19,394 transitions/s ' +
      'in alternating runs; 10th session); deleting done tasks instead of marking them (10th session); fill factors ' +
      'of 50 / 40 for records and connections (every update HOT, no less CPU, tables a fifth larger); ' +
      '`--single-threaded-gc`; a fourth batch per worker (server CPU up a fifth).',
    'What was cut, by session. 6th: records and connections got fill factors of 60 / 50 so their updates stay HOT ' +
      '(12 → 71 %, 34 → 86 %); steps, timers and emails of nodes not entered before the batch are plain inserts ' +
      'instead of upserts; arrays go as one literal each and constant columns as one scalar (worker CPU −15–20 %); ' +
      'two batches in flight per worker (14,543 → 16,954 transitions/s). 7th: the lock, load and done marks bind ' +
      'one array each (server CPU 3.88 → 3.62 s per 20,000). 8th: the multi-row updates filter by `key = ANY(…)` ' +
      'instead of hashing the table (record updates 387 → about 205 ms per 20,000); three batches in flight; every ' +
      'timed phase starts on a settled server, which raised the no-op reference from 21–24k to 34–41k jobs/s. 9th: ' +
      "a batch's journal is guarded by an advisory lock, so no other worker's fold takes it.",
  ],
  'PostgreSQL, 3 workers: transitions/s ÷ graphile-worker no-op': [
    'out of reach on two cores: one worker with three batches in flight and its server already keep both cores ' +
      'busy, so more workers cannot drain faster than one; a 1.5× bar needs per-transition CPU far below the ' +
      "one-worker line's (see above), or more cores.",
    'In the default run after the journal fix (d2334a1) three workers drained 19,388 transitions/s against 20,433 ' +
      'for one, with about a quarter more CPU (worker and server 29.7 against 23.8 CPU-s); before the fix, in the ' +
      "9th session's full run, 16,810 against 20,809, with half as much CPU again.",
    "The fix (9th session): another worker's fold took about one batch journal in eight in the moment between " +
      "the journal's commit and the batch's hold (18–19 of 150 batches at 50,000 connections), and those batches " +
      "recorded a new journal after waiting for it. A batch now takes an advisory lock on its journal's id before " +
      'recording it, and folds skip journals whose lock they cannot take: 0 of 150 folded, the journal delete ' +
      '8–9 ms instead of 207–305 ms per run.',
    'What is left of the extra server work with three workers is the claim: nine batches in flight each step over ' +
      'the rows the other eight hold (`FOR UPDATE SKIP LOCKED` on one due index), 0.95–1.08 M buffer hits for the ' +
      'claims against 0.32 M with one worker, about 4 % of server time.',
  ],
  'PostgreSQL, 1 worker: transitions/s ÷ the same sequence':
    'the naive baseline pays about 12 round trips and one commit per connection; when it comes close, the ' +
    "engine's own per-batch server time (above) is what is left to cut.",
  'PostgreSQL, 3 workers: transitions/s ÷ the same sequence':
    'see the one-worker line: the engine is bound by server time per row written, the baseline by round trips.',
  'SQLite: transitions/s':
    'the worker is CPU-bound in one process (the engine run reports its CPU seconds beside the wall time; on this ' +
    "shared machine the wall time also counts waiting for a core, so compare the CPU ratio; the ceiling loop's own " +
    "CPU moved between 0.76 and 1.12 s in back-to-back runs at 20,000 connections, so one run's ratio moves by a " +
    'fifth). 7th session: SQLite kept a statement journal for every multi-row engine write. A statement that may ' +
    'change several rows and may abort half-way (the default ABORT of a NOT NULL or UNIQUE check, and always an ' +
    "upsert's DO UPDATE) first copies the original of every page it changes to a temporary file, so that it alone " +
    'can be undone; the engine never needs that, because a failing statement fails the whole batch transaction. ' +
    'Its inserts and updates are now `OR FAIL` (the same error at the same row; only the rows before it in that ' +
    'statement are left, for the rollback), steps of nodes not entered before are inserted with `DO NOTHING`, and ' +
    'steps of nodes entered before are updated by their node key; each falls back to the upsert should a row exist ' +
    'or be missing after all. A 20,000-connection drain wrote 768 → 279 MB (what is left is the WAL and its ' +
    'checkpoints); in isolation the step writes of 20 batches took 844–896 → 658–699 CPU-ms; statement ' +
    'parameters are filled in place (allocation per drain 823 → about 700 MB). Back-to-back bench pairs at 20,000 ' +
    'connections, load average 9–19: worker CPU 5.03 / 4.66 / 3.87 / 4.49 s (main) against 3.74 / 3.53 / 3.57 / ' +
    '3.36 s (−21 %); at 100,000 connections, one pair: 17.59 s (main, load 17) against 15.45 s (load 3), CPU ratio ' +
    '29.6 against 30.9 %. The drain also waits: 26.9 s of wall for 15.45 CPU-s at load 3. Timed per statement at ' +
    '20,000 connections, COMMIT took 1.6 s of wall for 0.35 CPU-s (the checkpoint after every batch syncs the WAL ' +
    'and the database file), on a disk the other jobs of the machine were writing to. What dominates now (per-statement CPU inside better-sqlite3 and `perf`, same size): the ' +
    'COMMIT of each batch (about a fifth of the statement CPU: WAL frames, and a checkpoint after every batch, ' +
    'because one batch of 1,000 connections dirties about 1,650 pages, 6.8 MB: tasks 200, steps 200, the step ' +
    "owner index 190, connections 185, the timeline's record index 127, …), the step writes, the three reads " +
    '(claim, connections, records: turning rows into objects), and in V8 garbage collection and the optimising ' +
    "compiler's threads, which the worker's CPU counts too. Before, 6th session, worker CPU profile " +
    '(`node --cpu-prof` through `BENCH_NODE_FLAGS`, 20,000 connections), largest first: SQLite ' +
    'executing statements about 47 % (the step-instance writes alone about 18 %: four rows per connection, each ' +
    'checked against the once-per-node key and written into five B-trees keyed by 36-character ids; the commits ' +
    'with their WAL writes and checkpoints about 12 %; the reads that lock and load connections and records and ' +
    'mark the tasks done about 9 %), garbage collection about 16 %, loading and `advance` about 11 %, building ' +
    'the effect rows about 5 %. Timed per statement (same run, wall ms inside better-sqlite3): step upsert 39 %, ' +
    'COMMIT 21 %, email insert 8 %, then connection and record reads, timeline and task inserts (3–5 % each). ' +
    'Session 6 cut: (1) a connection that only moved on sets its state alone: SQLite rewrites the entries of every ' +
    'index holding a column the SET names, changed or not, so `status` in the SET rewrote `connections_sequence` ' +
    'and the one-live index for every connection (per-statement time about halved); (2) only the step an email ' +
    'points at uses RETURNING (SQLite collects RETURNING rows in a temporary table; in isolation RETURNING cost ' +
    '15 % more CPU per 100-row statement and 75 % more per single-row one); (3) the claimed tasks are no longer read ' +
    'again inside the batch when `data_version` and `total_changes()` show nothing but the journal was written ' +
    'since they were selected (one worker: always); (4) inserts leave out columns that are NULL in every row and ' +
    'default to NULL (a step row leaves out the columns no step of its batch fills, such as outcome, note and read_at; 13 instead of 20 columns measured about 12 % less CPU per ' +
    'step row in isolation). Back-to-back bench runs at load 9–11: worker CPU 4.41 / 5.37 s (main) against ' +
    '4.37 / 4.57 s, CPU ratio 15.3 / 12.9 % against 16.1 / 16.1 %. Tried and not kept: in the 7th session, ' +
    "setting a finished step's owner by a second statement only where it changed (the owner index's pages are " +
    'dirtied by the new steps anyway, 193 → 190 pages per batch, and the CPU gain was within the noise) and ' +
    '`temp_store = MEMORY` instead of `OR FAIL` (the statement journals then fill memory instead of a file: less ' +
    'system time, more user time); before, `cache_size` of 32 MiB ' +
    '(no CPU gain, worker RSS 214 MiB), `mmap_size`, `temp_store = MEMORY` (no difference), ' +
    '`wal_autocheckpoint = 10000` (the commit share fell from 11 to 7 % of the profile, but with `synchronous = ' +
    'NORMAL` the WAL is synced only at a checkpoint, so it widens the window of commits a power loss can roll ' +
    'back), `--max-semi-space-size` 32 / 64 MiB (less GC, RSS 211–268 MiB, over the bar). Of the step ' +
    "indexes, `step_instances_owner` is read by Insights' seller counts for steps of every status, so it stays " +
    'full; the record index holds open steps only since migration 0030 (its one reader asks whether a user holds ' +
    'an open step of a record; record history reads steps by connection). Ids are written into one reused ' +
    'buffer (both databases; see the PostgreSQL entry). The raw ceiling writes the same rows from one ' +
    'loop with 1–6 character keys, no reads, no upsert check, no state JSON and no logic; with 36-character ' +
    "UUID keys like the engine's, the same loop used about 19 % more CPU (side test; the ceiling is unchanged). " +
    'None of the ten rows a connection writes is a repeat (see the PostgreSQL entry), so 35 % of the ceiling ' +
    'needs less JavaScript and garbage per row (about a third of the CPU) and less SQLite work per step row.',
  'Bulk connect':
    'per record the job writes two rows: the connection (four index entries, and the ON CONFLICT check against the ' +
    'one-live-connection index) and its `connected` task (four index entries; the engine writes the first step and ' +
    'the timeline row later), plus one audit row and the job progress per chunk of 2,000. Session 5 (PostgreSQL, ' +
    'same machine, back to back: server 3.1 → 2.1 CPU-s, bench process 2.8 → 1.5 CPU-s for 100,000): the ' +
    "chunk's live-connection check was planned as a hashed scan of every live connection (one more chunk's worth " +
    "per chunk, so the job grew with the square of its size) and now probes the page's records; both inserts bind " +
    'the columns every row shares once (3 and 4 arrays instead of 14 each); a job without a field rule reads 8 ' +
    'columns per record instead of 21; and the next page is read on another connection while the chunk writes. ' +
    'What is left is the two inserts (index entries and about 1.6 MB of WAL per 2,000 rows per table) and, in ' +
    "the process, garbage collection and array encoding; the chunk's steps still run one after another, so under " +
    '3 s needs the process and the server to overlap more (a second chunk in flight, committed in order) or fewer ' +
    'index entries per row (dropping `connections_record`, which repeats the one-live index for live rows, saved ' +
    'at most 0.2 CPU-s in a trial, within the noise, and several record-history reads would need rewriting).',
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
