import type { Kysely } from 'kysely';
import { type OpenRecordsFilter, scanOpenRecordsMarkingLive } from '../store/connections/open-records.ts';
import type { Database } from '../store/schema.ts';

type PageInput = OpenRecordsFilter & { after: string | null; limit: number; columns: 'all' | 'connect' };
type Page = Awaited<ReturnType<typeof scanOpenRecordsMarkingLive>>;

/**
 * Read-ahead for filter jobs (PostgreSQL): as soon as a chunk has its page of records, the next page is read on
 * another pooled connection while the chunk writes and commits, so the server reads on one core while it writes
 * on the other, and this process parses the rows while it waits for the writes. The next chunk uses that page
 * only if it asks for exactly the same one (same cursor, size and scope); otherwise, or if the read failed, it
 * reads its own inside its transaction. A page is held only for the same worker's very next chunk, and for at most
 * a few seconds: a worker that died, or a job resumed later or elsewhere, reads afresh.
 *
 * What the chunk decides from the page is what it would have decided from a read inside its own transaction a
 * few milliseconds later: the page's records are not the ones the previous chunk connects, and a record connected
 * meanwhile by someone else is still left out by the one-live-connection index when the chunk inserts.
 */
const ahead = new Map<string, { key: string; worker: string; at: number; page: Promise<Page | null> }>();
/** At most this many jobs' next pages are held at once (a job that stopped leaves its page behind). */
const MAX_HELD = 8;
/** A page older than this (wall-clock milliseconds since its read began) is read again. */
const MAX_AGE_MS = 5000;

export async function readPage(
  trx: Kysely<Database>,
  pool: Kysely<Database>,
  jobId: string,
  workerId: string,
  input: PageInput,
  readAhead: boolean,
): Promise<Page> {
  const held = ahead.get(jobId);
  ahead.delete(jobId);
  const fresh =
    held?.worker === workerId &&
    performance.now() - held.at < MAX_AGE_MS &&
    held.key === JSON.stringify(input);
  const page = (fresh ? await held.page : null) ?? (await scanOpenRecordsMarkingLive(trx, input));
  const last = page.page.at(-1);
  if (readAhead && last && page.page.length === input.limit) {
    const next = { ...input, after: last.id };
    if (ahead.size >= MAX_HELD) ahead.delete(ahead.keys().next().value!);
    ahead.set(jobId, {
      key: JSON.stringify(next),
      worker: workerId,
      at: performance.now(),
      page: scanOpenRecordsMarkingLive(pool, next).catch(() => null),
    });
  }
  return page;
}
