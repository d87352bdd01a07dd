import type { Command } from 'commander';
import { toCsv } from '../../domain/csv.ts';
import type { Store } from '../../store/db.ts';
import { recordAudit } from '../../store/repos/audit-repo.ts';
import {
  listSuppressions,
  removeSuppression,
  type SuppressionRow,
  suppressionAddress,
} from '../../store/repos/suppressions-repo.ts';
import { openRuntime } from '../runtime.ts';
import { CliError, resolveOrg } from './org-command.ts';

/** `stepwise suppression list|export|remove`: the organisation's suppression list from the command line. */

export async function allSuppressions(
  store: Store,
  org?: string,
  search?: string,
): Promise<SuppressionRow[]> {
  const { id } = await resolveOrg(store, org);
  const rows: SuppressionRow[] = [];
  let after: { at: number; address: string } | undefined;
  for (;;) {
    const page = await listSuppressions(store.db, id, {
      limit: 1000,
      ...(search ? { search } : {}),
      ...(after ? { after } : {}),
    });
    rows.push(...page);
    const last = page.at(-1);
    if (page.length < 1000 || !last) return rows;
    after = { at: last.created_at, address: last.address };
  }
}

export async function unsuppress(store: Store, address: string, now: number, org?: string): Promise<void> {
  const { id } = await resolveOrg(store, org);
  const normalised = suppressionAddress(address);
  await store.db.transaction().execute(async (trx) => {
    if (!(await removeSuppression(trx, id, normalised))) {
      throw new CliError(`${normalised} is not on the suppression list.`);
    }
    await recordAudit(trx, {
      orgId: id,
      actorId: null,
      action: 'suppression.remove',
      resourceType: 'suppression',
      resourceId: normalised,
      after: { via: 'cli' },
      at: now,
    });
  });
}

export function suppressionsCsv(rows: SuppressionRow[]): string {
  return toCsv(
    ['address', 'reason', 'detail', 'outbound_message_id', 'created_at'],
    rows.map((row) => [
      row.address,
      row.reason,
      (row.detail ?? '').replace(/^[=+\-@\t\r]/, "'$&"),
      row.outbound_message_id ?? '',
      new Date(row.created_at).toISOString(),
    ]),
  );
}

export function registerSuppressionCommand(program: Command): void {
  const command = program
    .command('suppression')
    .description('The suppression list: addresses that bounced hard or complained (nothing is sent to them)');
  command
    .command('list')
    .description('List suppressed addresses, newest first')
    .option('--search <text>', 'part of the address')
    .option('--org <id or name>', 'organisation (needed when there is more than one)')
    .action(async (options: { search?: string; org?: string }) => {
      const { store } = await openRuntime();
      try {
        for (const row of await allSuppressions(store, options.org, options.search)) {
          console.log(
            [row.address, row.reason, new Date(row.created_at).toISOString(), row.detail ?? ''].join('  '),
          );
        }
      } finally {
        await store.close();
      }
    });
  command
    .command('export')
    .description('Print the whole list as CSV')
    .option('--org <id or name>', 'organisation (needed when there is more than one)')
    .action(async (options: { org?: string }) => {
      const { store } = await openRuntime();
      try {
        process.stdout.write(suppressionsCsv(await allSuppressions(store, options.org)));
      } finally {
        await store.close();
      }
    });
  command
    .command('remove <address>')
    .description('Take an address off the list: email may be sent to it again')
    .option('--org <id or name>', 'organisation (needed when there is more than one)')
    .action(async (address: string, options: { org?: string }) => {
      const { store } = await openRuntime();
      try {
        await unsuppress(store, address, Date.now(), options.org);
        console.log(`Removed ${suppressionAddress(address)} from the suppression list.`);
      } finally {
        await store.close();
      }
    });
}
