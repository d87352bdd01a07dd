import { hashPassword } from '../../api/auth/passwords.ts';
import type { AppDeps } from '../../api/deps.ts';
import { notifyRecordsInserted } from '../../api/routes/record-routes.ts';
import { DEFAULT_WORKING_HOURS } from '../../domain/identity.ts';
import { DEFAULT_ORG_SETTINGS, type OrgSettings } from '../../domain/org-settings.ts';
import { newId } from '../../store/ids.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { installBuiltinTemplates } from '../../store/repos/email-templates-repo.ts';
import { insertRecordRows, type RecordRow, toRecordRow } from '../../store/repos/records-repo.ts';
import { insertRows } from '../../store/seed/insert-rows.ts';
import { countRows } from '../../store/stats/count-rows.ts';
import {
  DEMO_FIELDS,
  DEMO_HOLIDAYS,
  DEMO_ORG_NAME,
  DEMO_ORG_TIME_ZONE,
  DEMO_UNITS,
  DEMO_USERS,
  type DemoRole,
  type DemoUnitKey,
  generateDemoRecords,
} from './demo-data.ts';
import { DEMO_SEQUENCES, seedDemoSequences } from './seed-sequences.ts';

export interface DemoCredential {
  email: string;
  password: string;
  role: DemoRole;
  unit: string;
  name: string;
}

export type SeedResult =
  | {
      seeded: true;
      orgId: string;
      credentials: DemoCredential[];
      counts: {
        businessUnits: number;
        users: number;
        records: number;
        fields: number;
        templates: number;
        sequences: number;
        connections: number;
      };
    }
  | { seeded: false; reason: string };

export interface SeedOptions {
  /** Password hashing (tests pass a cheap one); default argon2id at production cost. */
  hash?: (password: string) => Promise<string>;
}

async function organisationCount(deps: Pick<AppDeps, 'store'>): Promise<number> {
  return countRows(deps.store.db, 'orgs');
}

/**
 * Loads the demo organisation "Northwind Demo" — only into an empty database (no organisation), so running it
 * again, or on a database in use, changes nothing. Everything is written in one transaction.
 */
export async function seedDemo(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  options: SeedOptions = {},
): Promise<SeedResult> {
  if ((await organisationCount(deps)) > 0) {
    return {
      seeded: false,
      reason: 'The database already holds an organisation; the demo loads only into an empty one.',
    };
  }
  const hash = options.hash ?? hashPassword;
  const now = deps.clock.now();
  const orgId = newId(now);
  const unitIds = Object.fromEntries(DEMO_UNITS.map((unit) => [unit.key, newId(now)])) as Record<
    DemoUnitKey,
    string
  >;
  const users = await Promise.all(
    DEMO_USERS.map(async (demo) => ({ ...demo, id: newId(now), passwordHash: await hash(demo.password) })),
  );
  const sellers = users
    .filter((user) => user.role === 'seller')
    .map((user) => ({ id: user.id, businessUnitId: unitIds[user.unit] }));
  const records: RecordRow[] = generateDemoRecords(sellers).map((record) => {
    const { ageMs, ...rest } = record;
    const created = now - ageMs;
    const row = toRecordRow(orgId, rest, created, newId(created));
    return { ...row, updated_at: Math.min(now, created + Math.floor(ageMs / 3)) };
  });
  const settings: OrgSettings = {
    ...DEFAULT_ORG_SETTINGS,
    timeZone: DEMO_ORG_TIME_ZONE,
    holidays: DEMO_HOLIDAYS,
  };

  let seeded: Extract<SeedResult, { seeded: true }>;
  try {
    seeded = await deps.store.db.transaction().execute(async (trx) => {
      await insertRows(trx, 'orgs', [
        { id: orgId, name: DEMO_ORG_NAME, settings_json: JSON.stringify(settings), created_at: now },
      ]);
      await insertRows(
        trx,
        'business_units',
        DEMO_UNITS.map((unit) => ({
          org_id: orgId,
          id: unitIds[unit.key],
          name: unit.name,
          parent_id: unit.parent ? unitIds[unit.parent] : null,
          created_at: now,
        })),
      );
      await insertRows(
        trx,
        'users',
        users.map((user) => ({
          org_id: orgId,
          id: user.id,
          email: user.email,
          name: user.name,
          password_hash: user.passwordHash,
          business_unit_id: unitIds[user.unit],
          locale: user.locale,
          time_zone: user.timeZone,
          working_hours_json: JSON.stringify(DEFAULT_WORKING_HOURS),
          preferences_json: '{}',
          active: 1 as const,
          created_at: now,
        })),
      );
      await insertRows(
        trx,
        'role_assignments',
        users.map((user) => ({ org_id: orgId, user_id: user.id, role: user.role })),
      );
      await insertRows(
        trx,
        'record_fields',
        DEMO_FIELDS.map((field, index) => ({
          org_id: orgId,
          id: newId(now + index),
          record_type: field.recordType,
          name: field.name,
          label: field.label,
          type: field.type,
          options_json: field.options ? JSON.stringify(field.options) : null,
          created_at: now + index,
        })),
      );
      await insertRecordRows(trx, records);
      await notifyRecordsInserted(trx, deps, records, null);
      const templates = await installBuiltinTemplates(trx, orgId, now);
      await recordAudit(trx, {
        orgId,
        actorId: null,
        action: 'org.seed_demo',
        resourceType: 'org',
        resourceId: orgId,
        after: { name: DEMO_ORG_NAME, users: users.length, records: records.length },
        at: now,
      });
      return {
        seeded: true as const,
        orgId,
        credentials: users.map((user) => ({
          email: user.email,
          password: user.password,
          role: user.role,
          unit: DEMO_UNITS.find((unit) => unit.key === user.unit)!.name,
          name: user.name,
        })),
        counts: {
          businessUnits: DEMO_UNITS.length,
          users: users.length,
          records: records.length,
          fields: DEMO_FIELDS.length,
          templates,
          sequences: 0,
          connections: 0,
        },
      };
    });
  } catch (error) {
    // Another process seeded at the same moment (unique emails): the database is no longer empty.
    if ((await organisationCount(deps)) > 0) {
      return { seeded: false, reason: 'Another process loaded data at the same time; nothing was added.' };
    }
    throw error;
  }
  // Two running sequences, so the work list, Up next and Insights show something on the first visit.
  const manager = users.find((user) => user.role === 'sequence_manager')!;
  const connections = await seedDemoSequences(deps, {
    orgId,
    ownerId: manager.id,
    businessUnitId: unitIds[manager.unit],
    sellerIds: users
      .filter((user) => user.role === 'seller' && (user.unit === 'east' || user.unit === 'eastEnterprise'))
      .map((user) => user.id),
  });
  return { ...seeded, counts: { ...seeded.counts, sequences: DEMO_SEQUENCES.length, connections } };
}

/** The sign-ins, for printing once after seeding. */
export function formatCredentials(result: Extract<SeedResult, { seeded: true }>): string {
  const width = Math.max(...result.credentials.map((c) => c.email.length));
  const lines = result.credentials.map(
    (c) => `  ${c.email.padEnd(width)}  ${c.password.padEnd(26)}  ${c.role.replace('_', ' ')} (${c.unit})`,
  );
  return [
    `Loaded the demo organisation "${DEMO_ORG_NAME}": ${result.counts.users} users, ${result.counts.records} records, ` +
      `${result.counts.fields} custom fields, ${result.counts.templates} email templates, ` +
      `${result.counts.sequences} active sequences with ${result.counts.connections} connected records.`,
    'Demo sign-ins (shown once; also in docs/cli.md — change them before real use):',
    ...lines,
  ].join('\n');
}
