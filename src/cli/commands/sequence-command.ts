import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DomainError } from '../../domain/errors.ts';
import { parseExport, type SequenceExport } from '../../domain/sequence/export-format.ts';
import type { Store } from '../../store/db.ts';
import { exportSequence, type ImportResult, importSequence } from '../../store/repos/sequences-repo.ts';
import { findOrgUserByEmail } from '../../store/users/find-org-user-by-email.ts';
import { openRuntime } from '../runtime.ts';
import { CliError, resolveOrg } from './org-command.ts';

/** `stepwise sequence export`: the sequence's export document (format stepwise.sequence/1). */
export async function runSequenceExport(
  store: Store,
  input: { id: string; org?: string },
): Promise<SequenceExport> {
  const org = await resolveOrg(store, input.org);
  return exportSequence(store.db, org.id, input.id);
}

/**
 * `stepwise sequence import`: imports a document as the given owner (in the owner's business unit), all or
 * nothing. Problems come back as one readable error listing each of them.
 */
export async function runSequenceImport(
  store: Store,
  input: { json: string; ownerEmail: string; org?: string; name?: string; now: number },
): Promise<ImportResult> {
  const org = await resolveOrg(store, input.org);
  const owner = await findOrgUserByEmail(store.db, org.id, input.ownerEmail.trim().toLowerCase());
  if (!owner?.active) throw new CliError(`--owner: no active user "${input.ownerEmail}" in ${org.name}`);
  let raw: unknown;
  try {
    raw = JSON.parse(input.json);
  } catch (error) {
    throw new CliError(`The file is not JSON: ${(error as Error).message}`);
  }
  const parsed = parseExport(raw);
  if (!parsed.ok) {
    throw new CliError(
      `The document cannot be imported:\n${parsed.problems.map((p) => `  ${p.path.join('.') || '(document)'}: ${p.message} [${p.code}]`).join('\n')}`,
    );
  }
  try {
    return await store.db.transaction().execute((trx) =>
      importSequence(trx, {
        orgId: org.id,
        actorId: owner.id,
        businessUnitId: owner.business_unit_id,
        document: parsed.document,
        ...(input.name ? { name: input.name } : {}),
        canCreateTags: true,
        now: input.now,
      }),
    );
  } catch (error) {
    if (error instanceof DomainError) {
      const details = error.problems.map((p) => `  ${p.path.join(' ')}: ${p.message} [${p.code}]`).join('\n');
      throw new CliError(`${error.message}${details ? `\n${details}` : ''}`);
    }
    throw error;
  }
}

export function registerSequenceCommand(program: Command): void {
  const sequence = program.command('sequence').description('Export and import sequences as JSON documents');
  sequence
    .command('export <id> [file]')
    .description('Write the sequence (with its email templates and tags) as JSON to a file or stdout')
    .option('--org <id-or-name>', 'organisation (when the database holds several)')
    .action(async (id: string, file: string | undefined, options: { org?: string }) => {
      const { store } = await openRuntime();
      try {
        const document = await runSequenceExport(store, { id, ...(options.org ? { org: options.org } : {}) });
        const json = `${JSON.stringify(document, null, 2)}\n`;
        if (file) {
          writeFileSync(file, json);
          console.error(`Exported "${document.name}" to ${file}`);
        } else process.stdout.write(json);
      } finally {
        await store.close();
      }
    });
  sequence
    .command('import <file>')
    .description('Create an inactive sequence from an exported JSON document')
    .requiredOption('--owner <email>', 'the user who will own the sequence')
    .option('--name <name>', 'a different name (names are unique per business unit)')
    .option('--org <id-or-name>', 'organisation (when the database holds several)')
    .action(async (file: string, options: { owner: string; name?: string; org?: string }) => {
      const { store } = await openRuntime();
      try {
        const result = await runSequenceImport(store, {
          json: readFileSync(file, 'utf8'),
          ownerEmail: options.owner,
          ...(options.org ? { org: options.org } : {}),
          ...(options.name ? { name: options.name } : {}),
          now: Date.now(),
        });
        console.log(`Imported "${result.row.name}" as ${result.row.id} (inactive).`);
        for (const problem of result.problems) console.log(`  To fix before activating: ${problem.message}`);
        for (const path of result.skippedTags) console.log(`  Tag not applied: ${path.join(' / ')}`);
      } finally {
        await store.close();
      }
    });
}
