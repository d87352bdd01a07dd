import type { Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { Database } from '../schema.ts';

export interface AuditEntry {
  orgId: string;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  before?: unknown;
  after?: unknown;
  at: number;
}

/** Appends to the audit log; call it inside the same transaction as the change it describes. */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      org_id: entry.orgId,
      id: newId(entry.at),
      actor_id: entry.actorId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId,
      before_json: entry.before === undefined ? null : JSON.stringify(entry.before),
      after_json: entry.after === undefined ? null : JSON.stringify(entry.after),
      at: entry.at,
    })
    .execute();
}
