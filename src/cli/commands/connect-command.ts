import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type ConnectRefusal, REFUSAL_MESSAGES } from '../../domain/connect/refusal.ts';
import { decideSequence } from '../../domain/permissions/permissions.ts';
import { createConnectJob, findBulkJob, parseJobResult, runBulkJobs } from '../../engine/bulk-connect.ts';
import { type Clock, systemClock } from '../../engine/clock.ts';
import type { Store } from '../../store/db.ts';
import { newId } from '../../store/ids.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../store/repos/connections-repo.ts';
import { findUserByEmail, loadActor } from '../../store/repos/identity-repo.ts';
import { openRuntime } from '../runtime.ts';

export class ConnectCommandError extends Error {}

export interface ConnectCommandInput {
  sequenceId: string;
  /** Record ids (from --ids-file), or null for every open record of the sequence's type without a sequence. */
  recordIds: string[] | null;
  /** Email of the user the records are connected as (permissions are theirs). */
  as: string;
  progress: boolean;
  print: (line: string) => void;
}

/** Reads ids one per line (a CSV's first column, or a JSON array); blank lines and `#` comments are skipped. */
export function parseIdsFile(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new ConnectCommandError('The JSON file must hold an array of ids');
    return parsed.map(String);
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) =>
      line
        .split(/[,;\t]/)[0]!
        .trim()
        .replace(/^"|"$/g, ''),
    )
    .filter((line) => line !== '' && !line.startsWith('#') && line.toLowerCase() !== 'id');
}

/**
 * `stepwise connect`: queues a bulk connect job as the given user and runs it in this process, with a progress
 * bar. Another worker may take over the job; the command then just follows its progress.
 */
export async function runConnect(
  deps: { store: Store; clock: Clock },
  input: ConnectCommandInput,
): Promise<{ jobId: string; succeeded: number; failed: number }> {
  const user = await findUserByEmail(deps.store.db, input.as);
  const actor = user ? await loadActor(deps.store.db, user.org_id, user.id) : undefined;
  if (!actor) throw new ConnectCommandError(`--as: no active user "${input.as}"`);
  const sequence = await loadSequenceForConnect(deps.store.db, actor.orgId, input.sequenceId);
  const policy = await loadOrgPolicy(deps.store.db, actor.orgId);
  const decision = sequence ? decideSequence(actor, policy, 'connect', sequence) : undefined;
  if (!sequence || !decision || (!decision.allowed && !decision.visible)) {
    throw new ConnectCommandError(`No sequence ${input.sequenceId} visible to ${actor.email}`);
  }
  if (!decision.allowed) throw new ConnectCommandError(decision.reason);
  if (!sequence.connectable) throw new ConnectCommandError(`The sequence “${sequence.name}” is not active`);
  if (input.recordIds && input.recordIds.length === 0)
    throw new ConnectCommandError('The ids file holds no ids');

  const jobId = await deps.store.db.transaction().execute((trx) =>
    createConnectJob(trx, {
      orgId: actor.orgId,
      actorId: actor.userId,
      params: {
        sequenceId: sequence.id,
        source: input.recordIds
          ? { kind: 'ids', recordIds: [...new Set(input.recordIds)] }
          : { kind: 'filter', filter: { view: 'open_without_sequence' } },
      },
      now: deps.clock.now(),
    }),
  );
  input.print(`Connecting to “${sequence.name}” as ${actor.email} (job ${jobId})`);
  const workerId = `cli-${process.pid}-${newId()}`;
  let bar: cliProgress.SingleBar | undefined;
  for (;;) {
    const ran = await runBulkJobs({ store: deps.store, clock: deps.clock, workerId, jobId, maxChunks: 1 });
    const job = await findBulkJob(deps.store.db, actor.orgId, jobId);
    if (!job) throw new ConnectCommandError('The job disappeared');
    if (input.progress && job.total > 0) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format:
              'Connecting {bar} {percentage}% | {value}/{total} records | {connected} connected | ETA {eta}s',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(job.total, 0, { connected: 0 });
      }
      bar.setTotal(job.total);
      bar.update(job.processed, { connected: job.succeeded });
    }
    if (job.status === 'done' || job.status === 'failed') {
      bar?.stop();
      const result = parseJobResult(job.result_json) as ReturnType<typeof parseJobResult> & {
        error?: string;
      };
      if (job.status === 'failed') input.print(`The job failed: ${result.error ?? 'unknown error'}`);
      // --all-open walks every open record and leaves out those already in a sequence: say so, so the counts add up.
      const skipped = job.processed - job.succeeded - job.failed;
      const skippedText = skipped > 0 ? `; ${skipped} skipped (already in a sequence)` : '';
      input.print(
        `Connected ${job.succeeded} of ${job.processed} records; ${job.failed} refused${skippedText}.`,
      );
      for (const [reason, count] of Object.entries(result.byReason)) {
        input.print(`  ${count} × ${reason}: ${REFUSAL_MESSAGES[reason as ConnectRefusal] ?? reason}`);
      }
      return { jobId, succeeded: job.succeeded, failed: job.failed };
    }
    // No progress from this process: another worker holds the job, so follow its progress.
    if (ran === 0 && job.lease_owner !== workerId) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function registerConnectCommand(program: Command): void {
  program
    .command('connect')
    .description('Connect records to an active sequence in bulk, with a progress bar (refusals are reported)')
    .argument('<sequenceId>', 'the sequence to connect to')
    .option(
      '--ids-file <file>',
      'record ids, one per line (or a CSV whose first column is the id, or a JSON array)',
    )
    .option('--all-open', 'every open record of the sequence’s type that has no sequence yet')
    .requiredOption('--as <email>', 'connect as this user (their permissions apply)')
    .addHelpText(
      'after',
      '\nExamples:\n  stepwise connect 0190… --ids-file leads.txt --as anna@example.com\n  stepwise connect 0190… --all-open --as anna@example.com\n',
    )
    .action(async (sequenceId: string, options: { idsFile?: string; allOpen?: boolean; as: string }) => {
      if (Boolean(options.idsFile) === Boolean(options.allOpen)) {
        console.error('Pass exactly one of --ids-file <file> or --all-open');
        process.exitCode = 2;
        return;
      }
      const { store } = await openRuntime();
      try {
        const recordIds = options.idsFile ? parseIdsFile(readFileSync(options.idsFile, 'utf8')) : null;
        await runConnect(
          { store, clock: systemClock },
          {
            sequenceId,
            recordIds,
            as: options.as,
            progress: process.stderr.isTTY === true,
            print: (line) => console.log(line),
          },
        );
      } catch (error) {
        if (!(error instanceof ConnectCommandError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
