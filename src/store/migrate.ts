import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as initial from './migrations/0001_initial.ts';
import * as engine from './migrations/0004_engine.ts';
import * as mail from './migrations/0007_mail.ts';
import * as renderOnce from './migrations/0010_render_once.ts';
import * as tokenScopes from './migrations/0011b_token_scopes.ts';
import * as importJobs from './migrations/0012_import_jobs.ts';
import * as schedules from './migrations/0013_schedules.ts';
import * as suppressions from './migrations/0014_suppressions.ts';
import * as writePath from './migrations/0015_write_path.ts';
import * as sellerWalk from './migrations/0016_seller_walk.ts';
import * as loginAttempts from './migrations/0017_login_attempts.ts';
import * as notifications from './migrations/0018_notifications.ts';
import * as sso from './migrations/0019_sso.ts';
import * as inboundMessages from './migrations/0020_inbound_messages.ts';
import * as emailConversations from './migrations/0021_email_conversations.ts';
import * as templateTags from './migrations/0022_template_tags.ts';
import * as rateLimits from './migrations/0023_rate_limits.ts';
import * as oauthMailboxes from './migrations/0024_oauth_mailboxes.ts';
import * as engineIndexes from './migrations/0025_engine_indexes.ts';
import * as notificationDigests from './migrations/0026_notification_digests.ts';
import * as oauthApps from './migrations/0027_oauth_apps.ts';
import * as footprint from './migrations/0028_footprint.ts';
import * as engineRows from './migrations/0029_engine_rows.ts';
import * as hotUpdates from './migrations/0030_hot_updates.ts';
import type { Database } from './schema.ts';

/** Migrations are listed here in order; a new one is a new file and a new line, never an edit. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0004_engine': engine,
  '0007_mail': mail,
  '0010_render_once': renderOnce,
  '0011b_token_scopes': tokenScopes,
  '0012_import_jobs': importJobs,
  '0013_schedules': schedules,
  '0014_suppressions': suppressions,
  '0015_write_path': writePath,
  '0016_seller_walk': sellerWalk,
  '0017_login_attempts': loginAttempts,
  '0018_notifications': notifications,
  '0019_sso': sso,
  '0020_inbound_messages': inboundMessages,
  '0021_email_conversations': emailConversations,
  '0022_template_tags': templateTags,
  '0023_rate_limits': rateLimits,
  '0024_oauth_mailboxes': oauthMailboxes,
  '0025_engine_indexes': engineIndexes,
  '0026_notification_digests': notificationDigests,
  '0027_oauth_apps': oauthApps,
  '0028_footprint': footprint,
  '0029_engine_rows': engineRows,
  '0030_hot_updates': hotUpdates,
};

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}

/** Names of the migrations this build has that the database has not applied yet (in order). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
  });
  const all = await migrator.getMigrations();
  return all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

/** Every migration name this build knows, in order (a backup archive records the ones its database had). */
export function knownMigrations(): string[] {
  return Object.keys(migrations);
}

/** Names of the migrations the database has applied, in order. */
export async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
  });
  const all = await migrator.getMigrations();
  return all.filter((migration) => migration.executedAt !== undefined).map((migration) => migration.name);
}

/** Applies migrations up to and including `name` (a restore builds the archive's schema before loading rows). */
export async function migrateUpTo(db: Kysely<Database>, name: string): Promise<void> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateTo(name);
  if (result.error)
    throw new Error(`Migration to ${name} failed: ${String(result.error)}`, { cause: result.error });
}
