import { type Kysely, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Stages get stable keys: a record's stage is stored as its key ("Qualify" → "qualify"), and an organisation's
 * stage list of plain names becomes key + display name. Conditions compare keys (src/domain/stages.ts).
 *
 * The organisation's email suppression list (SPEC.md §6): an address that hard-bounced or unsubscribed is never
 * emailed again and a record with it is not connected to a sequence that sends email, whatever record carries it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_suppressions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source_message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_suppressions_pk', ['org_id', 'address'])
    .execute();

  await sql`update records set stage = replace(lower(trim(stage)), ' ', '_') where stage is not null`.execute(
    db,
  );
  const orgs = await sql<{ id: string; settings_json: string }>`select id, settings_json from orgs`.execute(
    db,
  );
  for (const org of orgs.rows) {
    const settings = parse(org.settings_json);
    if (!Array.isArray(settings.stages)) continue;
    settings.stages = settings.stages.map((stage: unknown) =>
      typeof stage === 'string'
        ? { key: stage.trim().toLowerCase().replaceAll(' ', '_'), name: stage.trim() }
        : stage,
    );
    await sql`update orgs set settings_json = ${JSON.stringify(settings)} where id = ${org.id}`.execute(db);
  }
}

function parse(json: string): Record<string, unknown> & { stages?: unknown } {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('email_suppressions').execute();
}
