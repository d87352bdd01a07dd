import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { DAY, FakeClock, HOUR } from '../../src/engine/clock.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import { restoreArchive, writeArchive } from '../../src/store/backup-archive.ts';
import { productTables, tablePage } from '../../src/store/backup-tables.ts';
import { type DialectName, openStore, type Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { knownMigrations, pendingMigrations } from '../../src/store/migrate.ts';
import {
  connectRecord,
  definition,
  insertRecord,
  insertSequence,
  seedEngineWorld,
  T0,
} from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { createPostgresDatabase, dialects, freshStore } from '../support/databases.ts';
import { ORG_ID } from '../support/world.ts';

const files: string[] = [];
afterAll(() => {
  for (const file of files) rmSync(file, { force: true });
});
function tempFile(suffix: string): string {
  const file = `/tmp/stepwise-archive-${randomUUID()}${suffix}`;
  files.push(file);
  return file;
}

/** An empty, unmigrated database of the dialect (what an operator restores into). */
async function emptyStore(dialect: DialectName): Promise<Store> {
  if (dialect === 'postgres') return openStore(await createPostgresDatabase());
  const file = tempFile('.db');
  return openStore(`sqlite:${file}`);
}

/** Every row of every product table, in key order. */
async function contents(store: Store): Promise<Record<string, unknown[]>> {
  const all: Record<string, unknown[]> = {};
  for (const table of await productTables(store.db, store.dialect)) {
    all[table.name] = await tablePage(store.db, table, null, 1_000_000);
  }
  return all;
}

async function twoEmailSequence(store: Store): Promise<{ sequenceId: string; versionId: string }> {
  const templates = ['First touch', 'Second touch'].map((subject) => ({
    org_id: ORG_ID,
    id: newId(T0),
    name: subject,
    language: 'en',
    subject: `${subject}, {{ record.first_name }}`,
    body_html: '<p>Hi {{ record.first_name }}</p>',
    body_text: null,
    record_type: 'lead' as const,
    owner_id: null,
    builtin: 0 as const,
    created_at: T0,
    updated_at: T0,
  }));
  await store.db.insertInto('email_templates').values(templates).execute();
  const def = definition({
    start: 'n1',
    nodes: [
      { id: 'n1', kind: 'automated_email', name: 'First', templateId: templates[0]!.id, next: 'w1' },
      { id: 'w1', kind: 'wait', name: 'Wait', days: 1, hours: 0, next: 'n2' },
      { id: 'n2', kind: 'automated_email', name: 'Second', templateId: templates[1]!.id, next: null },
    ],
    options: {
      exitOnReply: true,
      skipNonWorkingDays: false,
      sendWindow: null,
      trackOpens: false,
      trackClicks: false,
    },
  });
  return insertSequence(store, def);
}

/** Delivers everything queued: a mailbox spaces its sends, so the clock moves a minute between rounds. */
async function deliverAll(store: Store, clock: FakeClock, mail: ReturnType<typeof deliveryFor>) {
  for (let round = 0; round < 30; round++) {
    await mail.drain();
    const left = await store.db
      .selectFrom('outbound_messages')
      .select('id')
      .where('status', 'in', ['queued', 'sending'])
      .execute();
    if (left.length === 0) return;
    clock.advance(60_000);
  }
  throw new Error('the outbox did not empty');
}

async function connect(store: Store, sequence: { sequenceId: string; versionId: string }, name: string) {
  const recordId = await insertRecord(store, {
    first_name: name,
    email: `${name.toLowerCase()}@customer.test`,
  });
  await connectRecord(store.db, { recordId, sequenceId: sequence.sequenceId, now: T0 });
}

describe.each(dialects)('backup archive round trip on %s', (dialect) => {
  it('backs up a database with sends in flight; the restored copy carries on without losing or repeating a send', async () => {
    const smtp = await startSmtp();
    const clock = new FakeClock(T0);
    const source = await freshStore(dialect, { file: true });
    const deps = await seedEngineWorld(source, clock);
    await addSmtpMailbox(source, SELLER, smtp.port, T0);
    const sequence = await twoEmailSequence(source);
    const engine = startEngineWorker(deps, { loop: false });
    const mail = deliveryFor(source, clock);
    const archive = tempFile('.jsonl.gz');
    let before: Record<string, unknown[]>;
    try {
      // Three leads got their first email and wait a day; three more have their first email queued.
      for (const name of ['Ada', 'Bo', 'Cy']) await connect(source, sequence, name);
      await engine.drain();
      await deliverAll(source, clock, mail);
      expect(smtp.received).toHaveLength(3);
      for (const name of ['Di', 'Ed', 'Flo']) await connect(source, sequence, name);
      await engine.drain();
      const queued = await source.db
        .selectFrom('outbound_messages')
        .select('id')
        .where('status', '=', 'queued')
        .execute();
      expect(queued).toHaveLength(3);
      const summary = await writeArchive(source, archive, new Date(T0));
      expect(summary.schema).toBe(knownMigrations().at(-1));
      before = await contents(source);
      expect(summary.rows).toBe(Object.values(before).reduce((sum, rows) => sum + rows.length, 0));
    } finally {
      mail.close();
      await engine.stop();
      await source.close();
    }

    const target = await emptyStore(dialect);
    const restoredEngine = startEngineWorker({ ...deps, store: target }, { loop: false });
    const restoredMail = deliveryFor(target, clock);
    try {
      await restoreArchive(target, archive);
      expect(await pendingMigrations(target.db)).toEqual([]);
      // Nothing lost: every table holds exactly what the source held.
      expect(await contents(target)).toEqual(before);

      // The restored product sends the three queued first emails, then everyone's second email, once each.
      await restoredEngine.drain();
      await deliverAll(target, clock, restoredMail);
      expect(smtp.received).toHaveLength(6);
      clock.advance(DAY + HOUR);
      await restoredEngine.drain();
      await deliverAll(target, clock, restoredMail);
      expect(smtp.received).toHaveLength(12);
      const parsed = await Promise.all(smtp.received.map((mail) => simpleParser(mail.raw)));
      expect(new Set(parsed.map((mail) => mail.messageId)).size).toBe(12);
      const sends = parsed.map((mail) => `${mail.to ? JSON.stringify(mail.to) : ''}|${mail.subject}`);
      expect(new Set(sends).size).toBe(12);
      for (const name of ['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Flo']) {
        const subjects = parsed
          .filter((mail) => mail.subject?.endsWith(`, ${name}`))
          .map((mail) => mail.subject);
        expect(subjects.sort()).toEqual([`First touch, ${name}`, `Second touch, ${name}`]);
      }
    } finally {
      restoredMail.close();
      await restoredEngine.stop();
      await target.close();
      await smtp.close();
    }
  }, 120_000);

  it('refuses a database that has data, an archive from a newer Stepwise, and loads nothing from a truncated one', async () => {
    const source = await freshStore(dialect, { file: true });
    const clock = new FakeClock(T0);
    await seedEngineWorld(source, clock);
    const archive = tempFile('.jsonl.gz');
    try {
      await writeArchive(source, archive, new Date(T0));
      await expect(writeArchive(source, archive, new Date(T0))).rejects.toThrow(/exists/);
      await expect(restoreArchive(source, archive)).rejects.toThrow(/not empty/);
    } finally {
      await source.close();
    }

    const lines = gunzipSync(readFileSync(archive)).toString('utf8').split('\n');
    const header = JSON.parse(lines[0]!) as { migrations: string[] };
    header.migrations.push('0999_from_the_future');
    const newer = tempFile('.jsonl.gz');
    writeFileSync(newer, gzipSync([JSON.stringify(header), ...lines.slice(1)].join('\n')));
    const truncated = tempFile('.jsonl.gz');
    writeFileSync(truncated, gzipSync(lines.slice(0, Math.floor(lines.length / 2)).join('\n')));

    const target = await emptyStore(dialect);
    try {
      await expect(restoreArchive(target, newer)).rejects.toThrow(/newer than this Stepwise/);
      await expect(restoreArchive(target, truncated)).rejects.toThrow(/truncated/);
      // The rows load in one transaction: nothing of the truncated archive stayed.
      const orgs = await target.db.selectFrom('orgs').select('id').execute();
      expect(orgs).toEqual([]);
      // The same database then takes the whole archive.
      const summary = await restoreArchive(target, archive);
      expect(summary.rows).toBeGreaterThan(0);
      expect(await target.db.selectFrom('orgs').select('id').execute()).toEqual([{ id: ORG_ID }]);
    } finally {
      await target.close();
    }
  }, 60_000);
});

describe('moving between databases with an archive', () => {
  it('restores an archive of a SQLite database into PostgreSQL with every row intact', async () => {
    const source = await freshStore('sqlite', { file: true });
    const clock = new FakeClock(T0);
    await seedEngineWorld(source, clock);
    await connect(source, await twoEmailSequence(source), 'Ada');
    const archive = tempFile('.jsonl.gz');
    let before: Record<string, unknown[]>;
    try {
      await writeArchive(source, archive, new Date(T0));
      before = await contents(source);
    } finally {
      await source.close();
    }
    const target = await emptyStore('postgres');
    try {
      await restoreArchive(target, archive);
      expect(await contents(target)).toEqual(before);
    } finally {
      await target.close();
    }
  }, 60_000);
});
