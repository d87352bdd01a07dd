import { type Kysely, sql } from 'kysely';

// Shipped migration: never edit it; add a new file instead.

/**
 * Stages get stable keys: a record's stage is stored as its key ("Qualify" → "qualify"), and an organisation's
 * stage list of plain names becomes key + display name. Conditions compare keys (src/domain/stages.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
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

export async function down(_db: Kysely<unknown>): Promise<void> {
  // Stage keys stay keys: the display names live in the organisation's stage list.
}
