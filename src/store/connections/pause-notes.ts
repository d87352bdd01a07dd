import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Why a paused connection is paused, as written on its record's timeline when a seller paused it. */
export interface PauseNote {
  note: string | null;
  at: number;
  by: { id: string; name: string | null } | null;
}

const STATE_KINDS = ['connection_paused', 'connection_resumed'];

/**
 * The pause note of each connection, from its newest pause/resume timeline entry: a connection whose newest such
 * entry is a resume (or that has none, e.g. paused by a held email) has no note. Reads the record index of the
 * timeline, so callers pass each connection's record id.
 */
export async function pauseNotesOf(
  db: Kysely<Database>,
  orgId: string,
  connections: { id: string; recordId: string }[],
): Promise<Map<string, PauseNote>> {
  const notes = new Map<string, PauseNote>();
  for (let i = 0; i < connections.length; i += 500) {
    const chunk = connections.slice(i, i + 500);
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('timeline_events as t')
      .leftJoin('users as u', (join) =>
        join.onRef('u.org_id', '=', 't.org_id').onRef('u.id', '=', 't.actor_id'),
      )
      .select(['t.id', 't.connection_id', 't.kind', 't.actor_id', 'u.name as actor_name', 't.data_json'])
      .select('t.occurred_at')
      .where('t.org_id', '=', orgId)
      .where('t.record_id', 'in', [...new Set(chunk.map((c) => c.recordId))])
      .where(
        't.connection_id',
        'in',
        chunk.map((c) => c.id),
      )
      .where('t.kind', 'in', STATE_KINDS)
      .orderBy('t.occurred_at', 'desc')
      .orderBy('t.id', 'desc')
      .execute();
    const seen = new Set<string>();
    for (const row of rows) {
      if (!row.connection_id || seen.has(row.connection_id)) continue;
      seen.add(row.connection_id);
      if (row.kind !== 'connection_paused') continue;
      notes.set(row.connection_id, {
        note: noteOf(row.data_json),
        at: row.occurred_at,
        by: row.actor_id ? { id: row.actor_id, name: row.actor_name ?? null } : null,
      });
    }
  }
  return notes;
}

function noteOf(json: string): string | null {
  try {
    const data: unknown = JSON.parse(json);
    if (data && typeof data === 'object' && 'note' in data && typeof data.note === 'string' && data.note) {
      return data.note;
    }
  } catch {
    // A malformed entry has no note.
  }
  return null;
}
