import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { AppDeps } from '../../api/deps.ts';
import { notifyRecordsInserted } from '../../api/routes/record-routes.ts';
import { parseMapArguments } from '../../domain/records/csv-import.ts';
import { RECORD_TYPES, type RecordType } from '../../domain/sequence/definition.ts';
import { systemClock } from '../../engine/clock.ts';
import { listOrgs } from '../../store/repos/admin-repo.ts';
import { listRecordFields } from '../../store/repos/record-fields-repo.ts';
import { activeOwners, type CsvImportReport, importRecordsFromCsv } from '../../store/repos/records-repo.ts';
import { openRuntime } from '../runtime.ts';

export interface ImportCommandInput {
  type: string;
  csv: string;
  /** Shown in the audit log. */
  source: string;
  /** `Column=field` overrides. */
  map: string[];
  /** Email (or id) of the owner of rows without an owner column. */
  owner?: string;
  /** Organisation id or name; may be left out when the database holds one organisation. */
  org?: string;
  /** Draw a progress bar (on a terminal). */
  progress: boolean;
  print: (line: string) => void;
}

export class ImportError extends Error {}

async function resolveOrg(deps: AppDeps, org: string | undefined): Promise<string> {
  const orgs = await listOrgs(deps.store.db);
  if (org) {
    const match = orgs.find((row) => row.id === org) ?? orgs.find((row) => row.name === org);
    if (!match) throw new ImportError(`No organisation with id or name "${org}"`);
    return match.id;
  }
  if (orgs.length === 1) return orgs[0]!.id;
  if (orgs.length === 0)
    throw new ImportError('The database has no organisation yet: run `stepwise seed` or create one');
  throw new ImportError(
    `Several organisations exist; pass --org with one of: ${orgs.map((row) => `${row.id} (${row.name})`).join(', ')}`,
  );
}

/**
 * `stepwise import`: imports a CSV file of records as the operator (no permission limits on owners). Returns the
 * report; prints bad rows with their reasons and a summary.
 */
export async function runImport(deps: AppDeps, input: ImportCommandInput): Promise<CsvImportReport> {
  if (!(RECORD_TYPES as readonly string[]).includes(input.type)) {
    throw new ImportError(`Unknown record type "${input.type}"; use one of ${RECORD_TYPES.join(', ')}`);
  }
  const type = input.type as RecordType;
  const { overrides, problems } = parseMapArguments(input.map);
  if (problems.length > 0) throw new ImportError(`--map: ${problems.join('; ')}`);
  const orgId = await resolveOrg(deps, input.org);
  const owners = await activeOwners(deps.store.db, orgId);
  const defaultOwner = input.owner
    ? (owners.get(input.owner.toLowerCase()) ?? owners.get(input.owner))
    : null;
  if (input.owner && !defaultOwner)
    throw new ImportError(`--owner: no active user "${input.owner}" in this organisation`);

  let bar: cliProgress.SingleBar | undefined;
  const report = await importRecordsFromCsv(deps.store.db, {
    orgId,
    actorId: null,
    type,
    csv: input.csv,
    overrides,
    defaultOwner: defaultOwner ?? null,
    ownerRefusal: () => null,
    customFields: await listRecordFields(deps.store.db, orgId, type),
    now: deps.clock.now(),
    source: input.source,
    onProgress: (processed, total) => {
      if (!input.progress) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: 'Importing {bar} {percentage}% | {value}/{total} rows | ETA {eta}s', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      bar.update(processed);
    },
    afterInsert: (trx, rows) => notifyRecordsInserted(trx, deps, rows, null),
  });
  bar?.stop();

  if (report.problems.length > 0) {
    for (const problem of report.problems) input.print(`✗ ${problem}`);
    input.print('Nothing was imported.');
    return report;
  }
  if (report.ignoredColumns.length > 0) {
    input.print(
      `Columns not imported (no matching field; use --map "Column=field"): ${report.ignoredColumns.join(', ')}`,
    );
  }
  if (report.errors.length > 0) {
    input.print(`Rows not imported (${report.errors.length}):`);
    for (const error of report.errors) input.print(`  row ${error.row}: ${error.reasons.join('; ')}`);
  }
  input.print(
    `Imported ${report.imported} of ${report.total} ${type} row${report.total === 1 ? '' : 's'}; ${report.failed} not imported.`,
  );
  return report;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('Import records from a CSV file; bad rows are listed with reasons, good rows are imported')
    .argument('<type>', `record type: ${RECORD_TYPES.join(', ')}`)
    .argument('<file>', 'CSV file (first line names the columns; comma, semicolon or tab separated)')
    .option(
      '--map <Column=field>',
      'map a column to a field (core field, custom field name, or "ignore"); repeatable',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--owner <email>', 'owner of rows without an owner column')
    .option('--org <id or name>', 'organisation (needed when the database holds several)')
    .addHelpText(
      'after',
      '\nExample:\n  stepwise import lead leads.csv --map "E-mail address=email" --map "Notes=ignore" --owner anna@example.com\n',
    )
    .action(async (type: string, file: string, options: { map?: string[]; owner?: string; org?: string }) => {
      const { config, store } = await openRuntime();
      try {
        const report = await runImport(
          { store, config, clock: systemClock },
          {
            type,
            csv: readFileSync(file, 'utf8'),
            source: basename(file),
            map: options.map ?? [],
            ...(options.owner ? { owner: options.owner } : {}),
            ...(options.org ? { org: options.org } : {}),
            progress: process.stderr.isTTY === true,
            print: (line) => console.log(line),
          },
        );
        if (report.problems.length > 0) process.exitCode = 1;
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
