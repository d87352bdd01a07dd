/**
 * What dominates where one of #17's bars is missed, keyed by the start of the bar's measure. Written from
 * profiles of this code (`node --cpu-prof` on the worker and per-statement timing, BENCHMARKS.md of the 3rd
 * session) and from this run's own figures; BENCHMARKS.md prints the entry for every missed bar.
 */
export const EXPLANATIONS: Record<string, string> = {
  'PostgreSQL, 1 worker: transitions/s ÷ graphile-worker no-op':
    'the worker waits on the server. A connection in scenario 2 makes three transitions in one batch (automated ' +
    'email, update field, wait) and writes ten rows for them: four step instances (the finished wait, the email ' +
    'and field steps, the next wait), one message, two timeline entries (email queued, field set), one timer ' +
    'task, the connection state and the record field, plus the done mark of its task; none is a repeat (each ' +
    'step row is written once per batch, unchanged connection rows are skipped). A no-op job is one row ' +
    'inserted, locked and deleted. Server time per batch, largest first (pg_stat_statements, 6th session, 20,000 ' +
    'connections): the step-instance writes (about a third: four rows per connection, each entering the primary ' +
    'key, once-per-node and owner indexes; the finished wait is an update that changes its status, and status is ' +
    "in the partial indexes' predicates, so it is never HOT), the message insert (eight indexes), the connection " +
    'state, the record field, the task insert, the timeline and the done marks (also never HOT, for the same ' +
    'reason: two new index entries each); the claim and the connection lock are a few per cent. Migration 0025 ' +
    'moved the claim inside the batch transaction, made the pending-task and open-step indexes partial and set ' +
    "fill factors; 0029 made the overdue check's step index and the per-connection task index partial. 0030 " +
    '(6th session) gave records a fill factor of 60 and connections 50: a batch updates whole pages of rows that ' +
    'were written together, in one transaction, so each new version needs room in its page, and HOT record ' +
    'updates went from 12 % to 71 %, connection updates from 34 % to 86 %; the record index of steps now holds ' +
    "open steps only and the outbox's sent-time index sent messages only; and steps of nodes a connection had " +
    'not entered before the batch are plain inserts instead of ON CONFLICT upserts (speculative insertion cost ' +
    "about a fifth of those rows' server CPU: 0.66 → 0.52 CPU-s per 60,000 rows). Together: WAL records per " +
    '20,000 connections 1.31 M → 1.03 M, server CPU 4.27 → 3.87 s (means of 8 back-to-back runs each, load ' +
    'average 7–12). A plain UPDATE of the finished wait instead of its upsert measured no cheaper. What is left is mostly index entries that have readers, about 33 per connection: steps 13, the ' +
    'message 8, the task 4, the timeline 4, the done mark 2, and the updates that still do not fit in their page ' +
    'about 2. 7th session: timers and emails of nodes a connection had not entered before the batch are plain ' +
    'inserts in a savepoint, as such steps already were (the upsert check wrote a confirm record per row; a key ' +
    'that exists after all falls back to ON CONFLICT DO NOTHING), and the connection lock, record load and done ' +
    "marks bind a batch's ids as one array instead of one placeholder each: WAL records per 20,000 connections " +
    "1.033 M → 0.993 M; the task insert's share of statement time about halved, the message insert's fell by about " +
    "a fifth and the connection lock's by half; server CPU per 20,000 connections 3.88 → 3.62 s, worker CPU unchanged (means of 12 alternating runs, load average 2–19: a small gain, near the noise). Fill factors of 50 (records) and 40 " +
    '(connections) made every record and connection update of scenario 2 HOT (71 → 99.9 %, 86 → 100 %) and cut ' +
    'WAL records by another 5 %, but server CPU did not fall with them (40,000 connections, alternating: 6.21 / ' +
    '5.88 s against 5.34 / 5.97 s; 100,000: no gain) while the tables grow by a fifth to a quarter, so they were ' +
    'not kept. A perf profile of the server is flat: no function above 3 % of its samples (B-tree search and ' +
    'insertion, buffer lookups, WAL insertion, forming tuples, parsing, and the page faults of fresh backends ' +
    'mapping shared buffers). ' +
    "8th session: the multi-row updates (records, connections) joined the table only through the batch's arrays, " +
    'and for a table small enough to look cheap to scan the planner read and hashed all of it in every batch ' +
    "(records at 20,000 connections: the hash took about half of the statement's time); they now also filter " +
    "the table by the key arrays (`key = ANY(…)`), which reads the batch's rows from the key's index in one pass " +
    'at any size: per 20,000 connections record updates 387 → 199–215 ms and connection updates 170 → 145–162 ms ' +
    '(pg_stat_statements; buffer reads halved), and finished steps are updated by node key instead of upserted ' +
    '(WAL records of that statement 118 k → 98 k, its time within the noise). ' +
    'The cost per transition is flat from 10,000 to ' +
    '50,000 connections once the database has statistics (see Growth). The worker side, 6th session: the engine ' +
    'binds about a hundred thousand array elements per batch, and node-postgres serialised each one (two ' +
    'regular-expression replaces and three strings per text element); an allocation profile showed 59 KB of ' +
    'garbage per connection and garbage collection at a third of the worker CPU. Arrays now go as one literal ' +
    'built by a native JSON.stringify where JSON and the literal escape alike, columns equal in every row go as ' +
    'one scalar, and ids are written into one reused buffer: allocation per connection fell by about a quarter ' +
    'and worker CPU by 15–20 % (20,000 connections, back to back). 7th session: an allocation profile shows about ' +
    '44 KB allocated per connection (array literals and the value arrays they are built from about a fifth, the ' +
    'effect rows a seventh, parsing states and result rows most of the rest), and `--trace-gc` scavenges of 5–30 ' +
    'ms, as two batches of 500 connections in flight keep much of the young generation alive; ' +
    '`--single-threaded-gc` used about 5 % less worker CPU but drained slower, so it was not kept. With one batch ' +
    'in flight per worker the ' +
    'process and the server take turns. Since the 6th session a PostgreSQL worker applies two batches at once ' +
    '(`WORKER_CONCURRENCY`, default 2), each with half of `WORKER_BATCH_SIZE`, and a task retried after a crash ' +
    'runs with no other batch of its process in flight, so crashes are charged as before (the crash suite with ' +
    'two batches per worker leaves no task `dead`). Quiet machine, 100,000 connections, one worker: 16,954 ' +
    'transitions/s with two batches against 14,543 with one. Since the 8th session the default is three ' +
    '(`WORKER_CONCURRENCY`, each batch a third of `WORKER_BATCH_SIZE`; the crash suite runs with three): once the ' +
    'record and connection updates were cheaper, a third batch paid, 18,582 / 18,891 transitions/s with two ' +
    'against 19,394 / 19,744 with three (alternating, 100,000 connections, quiet), while four was slower (18,997, ' +
    'server CPU up a fifth). With three batches one worker and its server use about 1.9 of the 2 cores, so from ' +
    'here only less CPU per transition raises the one-worker figure. (A first measurement showed two batches costing ' +
    'the server 18–80 % more CPU, growing with the backlog: the check for a waiting suspect, run before every ' +
    'batch, was planned as a walk of every pending task; ordered like the claim, it reads the small index of ' +
    'retried tasks.) What is left on the server is the rows and their index entries above; the worker and the ' +
    'server now each need about as much CPU per transition, so two cores are the limit. The no-op reference ' +
    "itself moves with the machine: 17,848 jobs/s in the 4th session's run, 23,754 in the 5th session's quieter one. " +
    'Since the 8th session every timed PostgreSQL phase starts on a settled server (VACUUM (ANALYZE) of what it ' +
    'was given and a CHECKPOINT; see Method), and that raised the no-op reference far more than our figure: ' +
    '21,833–24,053 jobs/s before, 33,926–35,734 after (three runs in a row and the full run), because its ' +
    '100,000 freshly queued jobs used to be vacuumed and written out while it was timed. Our one-worker drain ' +
    "rose from 17,518 to 20,047 transitions/s between the 8th session's two full runs, and the ratio fell from " +
    '0.73× to 0.56×: the bar is further away than the earlier runs showed. One worker and its server spend about ' +
    '81 µs of CPU per transition together (11.1 + 13.1 CPU-s for 300,000); 35,734 per second on two cores leaves ' +
    'at most 56 µs, so 1.0× needs about a third less CPU per transition on both sides, which means writing less ' +
    'per transition (fewer rows and index entries), not tuning. 9th session: the full run at 7e1fb72 measured the ' +
    'no-op reference at 40,935 jobs/s and our drain at 20,809 (0.51×); the worker and its server used 10.65 + ' +
    '12.76 CPU-s for 300,000 transitions, 78 µs per transition, against at most 49 µs per no-op job on two cores, ' +
    "so 1.0× needs about 37 % less. Named prepared statements for the engine's fixed-text statements (parsed and " +
    'planned once per connection) measured no cheaper: planning was 4 % of statement time, and three alternating ' +
    'pairs at 20,000 connections were within the noise (server CPU 3.64–4.32 s either way), so they were not kept. ' +
    'Statement time per 20,000 connections (ms, pg_stat_statements): step inserts 617, the finished-wait update ' +
    '447, the message insert 401, timeline 242, record update 227, done marks 208, task insert 208, connection ' +
    'update 163, claim 119, connection lock 72: about 139 µs per connection for its 11 row writes and about 33 ' +
    'index entries, with no statement dominating. The bar therefore needs about a third fewer rows and index ' +
    'entries per transition (for instance no stored row for an automated step that finishes at once, or step ids ' +
    'derived from connection and node so that the once-per-node key is the primary key), which changes what the ' +
    "step history, Insights and the outbox's link to its step read: a product decision, not a tuning step.",
  'PostgreSQL, 3 workers: transitions/s ÷ graphile-worker no-op':
    'as with one worker, plus the machine: three worker processes and the PostgreSQL backends share 2 cores ' +
    '(and, in this run, the load of other jobs: see the load average above), so a second and third worker add ' +
    'little; the no-op baseline is measured with one process on the same cores. Three workers with three batches ' +
    'each keep both cores busy (worker and server CPU together about 2 s per second of drain), so more throughput ' +
    "needs less CPU per transition on either side, not more overlap. In the 9th session's full run three workers " +
    'drained fewer transitions than one (16,810 against 20,809 per second) while using about half as much CPU ' +
    'again (worker and server 16.62 + 17.52 CPU-s against 10.65 + 12.76): nine batches in flight on two cores ' +
    "cost more per transition than three. Also in the 9th session: with three workers another worker's fold " +
    "took about one batch journal in eight in the moment between the journal's commit and the batch's hold " +
    '(18–19 of 150 batches at 50,000 connections); those batches recorded a new journal after waiting for the ' +
    "fold (the journal delete's statement time 207–305 ms per run). A batch now takes an advisory lock on its " +
    "journal's id before recording it, and folds skip journals whose lock they cannot take: no journal of a live " +
    'batch is folded (0 of 150), the delete takes 8–9 ms, and three workers drained 20,782 / 20,042 transitions/s ' +
    'against 18,641 / 19,415 / 19,384 before (50,000 connections, quiet machine; one worker 20,880); in the default ' +
    'run after the fix (d2334a1) three workers drained 19,388 against 20,433 for one, with about a quarter more ' +
    'CPU (worker and server 29.7 against 23.8 CPU-s) instead of half as much again. What is left ' +
    'of the extra server work with three workers is the claim: nine batches in flight each step over the rows ' +
    'the other eight hold (`FOR UPDATE SKIP LOCKED` on one due index), 0.95–1.08 M buffer hits for the claims ' +
    'against 0.32 M with one worker.',
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
