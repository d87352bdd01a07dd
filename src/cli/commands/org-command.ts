import type { Command } from 'commander';
import { PersonNameSchema } from '../../domain/identity.ts';
import { DEFAULT_ORG_SETTINGS, OrgSettingsSchema } from '../../domain/org-settings.ts';
import type { Store } from '../../store/db.ts';
import { newId } from '../../store/ids.ts';
import { insertBusinessUnit, insertOrg, listOrgs } from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { installBuiltinTemplates } from '../../store/repos/email-templates-repo.ts';
import { openRuntime } from '../runtime.ts';

export class CliError extends Error {}

/** The organisation a command acts on: the one given by id or name, or the only one there is. */
export async function resolveOrg(
  store: Store,
  idOrName: string | undefined,
): Promise<{ id: string; name: string }> {
  const orgs = await listOrgs(store.db);
  if (idOrName !== undefined) {
    const found = orgs.filter((o) => o.id === idOrName || o.name.toLowerCase() === idOrName.toLowerCase());
    if (found.length === 1) return found[0]!;
    throw new CliError(
      found.length === 0
        ? `No organisation "${idOrName}".`
        : `Several organisations are called "${idOrName}"; use the id.`,
    );
  }
  if (orgs.length === 1) return orgs[0]!;
  if (orgs.length === 0)
    throw new CliError('There is no organisation yet: run `stepwise org create --name …` first.');
  throw new CliError(
    `There are ${orgs.length} organisations; choose one with --org:\n${orgs.map((o) => `  ${o.id}  ${o.name}`).join('\n')}`,
  );
}

export interface CreatedOrg {
  orgId: string;
  businessUnitId: string;
}

/** Creates an organisation with default settings and its root business unit. */
export async function createOrg(
  store: Store,
  input: { name: string; businessUnit?: string; timeZone?: string },
  now: number,
): Promise<CreatedOrg> {
  const name = parseOrThrow(PersonNameSchema, input.name, '--name');
  const unitName = parseOrThrow(PersonNameSchema, input.businessUnit ?? name, '--business-unit');
  const settings = parseOrThrow(
    OrgSettingsSchema,
    { ...DEFAULT_ORG_SETTINGS, ...(input.timeZone ? { timeZone: input.timeZone } : {}) },
    '--time-zone',
  );
  const orgId = newId(now);
  const businessUnitId = newId(now);
  await store.db.transaction().execute(async (trx) => {
    await insertOrg(trx, { id: orgId, name, settingsJson: JSON.stringify(settings), now });
    await insertBusinessUnit(trx, { orgId, id: businessUnitId, name: unitName, parentId: null, now });
    // A new organisation starts with the built-in email templates (English and Polish) its templates use.
    await installBuiltinTemplates(trx, orgId, now);
    await recordAudit(trx, {
      orgId,
      actorId: null,
      action: 'org.created',
      resourceType: 'org',
      resourceId: orgId,
      after: { name, businessUnit: unitName, via: 'cli' },
      at: now,
    });
  });
  return { orgId, businessUnitId };
}

export function parseOrThrow<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  option: string,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  throw new CliError(`${option}: ${detail}`);
}

export function registerOrgCommand(program: Command): void {
  const org = program.command('org').description('Organisations');
  org
    .command('create')
    .description('Create an organisation with a root business unit')
    .requiredOption('--name <name>', 'organisation name')
    .option('--business-unit <name>', 'name of the root business unit (default: the organisation name)')
    .option('--time-zone <zone>', 'IANA time zone of the organisation, e.g. Europe/Warsaw')
    .action(async (options: { name: string; businessUnit?: string; timeZone?: string }) => {
      const { store } = await openRuntime();
      try {
        const created = await createOrg(store, options, Date.now());
        console.log(`Created organisation "${options.name}" (${created.orgId})`);
        console.log(`Root business unit: ${created.businessUnitId}`);
        console.log('Next: stepwise user add --email … --name … --role admin --business-unit …');
      } finally {
        await store.close();
      }
    });
}
