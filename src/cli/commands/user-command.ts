import type { Command } from 'commander';
import { hashPassword } from '../../api/auth/passwords.ts';
import { randomSecret } from '../../api/auth/secrets.ts';
import {
  EmailSchema,
  INHERITED_WORKING_HOURS,
  NewPasswordSchema,
  PersonNameSchema,
  RoleListSchema,
} from '../../domain/identity.ts';
import { passwordWeakness, personalWords } from '../../domain/password-policy.ts';
import type { Store } from '../../store/db.ts';
import { newId } from '../../store/ids.ts';
import {
  emailTaken,
  findBusinessUnitByIdOrName,
  findUserWithRoles,
  insertUser,
  listBusinessUnits,
  listUsers,
  type UserWithRoles,
} from '../../store/repos/admin-repo.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import { receivedByOtherOrg } from '../../store/repos/inbound-recipient-repo.ts';
import { openRuntime } from '../runtime.ts';
import { CliError, parseOrThrow, resolveOrg } from './org-command.ts';

export interface AddUserInput {
  email: string;
  name: string;
  roles: string[];
  businessUnit: string;
  password?: string;
  org?: string;
}

/** Creates a user; returns the generated password when none was given (print it once, never store it). */
export async function addUser(
  store: Store,
  input: AddUserInput,
  now: number,
): Promise<{ user: UserWithRoles; generatedPassword: string | null }> {
  const email = parseOrThrow(EmailSchema, input.email, '--email');
  const name = parseOrThrow(PersonNameSchema, input.name, '--name');
  const roles = parseOrThrow(RoleListSchema, input.roles, '--role');
  const generatedPassword = input.password === undefined ? randomSecret(12) : null;
  const password = parseOrThrow(NewPasswordSchema, input.password ?? generatedPassword, '--password');
  const personal = passwordWeakness(password, personalWords({ email, name }));
  if (personal) throw new CliError(`--password: ${personal}`);
  const org = await resolveOrg(store, input.org);
  const units = await findBusinessUnitByIdOrName(store.db, org.id, input.businessUnit);
  if (units.length !== 1) {
    const all = await listBusinessUnits(store.db, org.id);
    throw new CliError(
      `${units.length === 0 ? 'No' : 'More than one'} business unit "${input.businessUnit}"; choose by id:\n` +
        all.map((u) => `  ${u.id}  ${u.name}`).join('\n'),
    );
  }
  const unit = units[0]!;
  const passwordHash = await hashPassword(password);
  const id = newId(now);
  await store.db.transaction().execute(async (trx) => {
    if (await emailTaken(trx, email)) throw new CliError(`A user with email ${email} exists already.`);
    if (await receivedByOtherOrg(trx, org.id, email)) {
      throw new CliError(
        `Another organisation receives mail at ${email} (a mailbox From there); choose another.`,
      );
    }
    await insertUser(trx, {
      orgId: org.id,
      id,
      email,
      name,
      passwordHash,
      businessUnitId: unit.id,
      roles,
      locale: 'en',
      timeZone: null,
      workingHoursJson: INHERITED_WORKING_HOURS,
      now,
    });
    await recordAudit(trx, {
      orgId: org.id,
      actorId: null,
      action: 'user.created',
      resourceType: 'user',
      resourceId: id,
      after: { email, name, roles, businessUnitId: unit.id, via: 'cli' },
      at: now,
    });
  });
  const user = (await findUserWithRoles(store.db, org.id, id))!;
  return { user, generatedPassword };
}

/** Every user of the org (paged internally), ordered by email. */
export async function allUsers(store: Store, orgIdOrName?: string): Promise<UserWithRoles[]> {
  const org = await resolveOrg(store, orgIdOrName);
  const users: UserWithRoles[] = [];
  let afterEmail: string | undefined;
  for (;;) {
    const page = await listUsers(store.db, org.id, { limit: 500, ...(afterEmail ? { afterEmail } : {}) });
    users.push(...page);
    if (page.length < 500) return users;
    afterEmail = page.at(-1)!.email;
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('Users of an organisation');
  user
    .command('add')
    .description('Add a user; prints a generated password once when --password is not given')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'full name')
    .option('--role <role>', 'seller | sequence_manager | sales_manager | admin (repeatable)', collect, [])
    .requiredOption('--business-unit <name or id>', 'the business unit the user belongs to')
    .option('--password <password>', 'initial password (12+ characters, not a common or easily guessed one)')
    .option('--org <id or name>', 'organisation (needed when there is more than one)')
    .action(async (options: AddUserInput & { role: string[] }) => {
      const { store } = await openRuntime();
      try {
        const { user: created, generatedPassword } = await addUser(
          store,
          { ...options, roles: options.role.length > 0 ? options.role : ['seller'] },
          Date.now(),
        );
        console.log(`Created ${created.email} (${created.id}) with roles ${created.roles.join(', ')}`);
        if (generatedPassword) console.log(`Password (shown once): ${generatedPassword}`);
      } finally {
        await store.close();
      }
    });
  user
    .command('list')
    .description('List the users of an organisation')
    .option('--org <id or name>', 'organisation (needed when there is more than one)')
    .action(async (options: { org?: string }) => {
      const { store } = await openRuntime();
      try {
        const users = await allUsers(store, options.org);
        const units = new Map(
          (await listBusinessUnits(store.db, (await resolveOrg(store, options.org)).id)).map((u) => [
            u.id,
            u.name,
          ]),
        );
        const rows = users.map((u) => [
          u.email,
          u.name,
          u.roles.join(','),
          units.get(u.businessUnitId) ?? u.businessUnitId,
          u.active ? 'active' : 'inactive',
        ]);
        const header = ['EMAIL', 'NAME', 'ROLES', 'BUSINESS UNIT', 'STATUS'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const row of [header, ...rows])
          console.log(
            row
              .map((cell, i) => cell.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          );
      } finally {
        await store.close();
      }
    });
}
