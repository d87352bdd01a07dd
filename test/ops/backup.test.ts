import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { pendingMigrations } from '../../src/store/migrate.ts';
import { createPostgresDatabase, freshStore } from '../support/databases.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

const BIN = resolve(import.meta.dirname, '../../bin/stepwise.js');
const target = `/tmp/stepwise-backup-${randomUUID()}.db`;
afterAll(() => rmSync(target, { force: true }));

function stepwise(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        STEPWISE_SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789abcdef',
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.on('exit', (code) => done({ code, output }));
  });
}

const recordCount = async (store: ReturnType<typeof openStore>) =>
  Number(
    (
      await store.db
        .selectFrom('records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('stepwise backup', () => {
  it('copies a SQLite database that is being written to; the copy opens, is current and holds the data', async () => {
    const store = await freshStore('sqlite', { file: true });
    const now = Date.now();
    await seedWorld(store, now);
    const before = await recordCount(store);
    // Writes in flight during the backup.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await store.db
          .updateTable('orgs')
          .set({ name: `Org ${written++}` })
          .where('id', '=', ORG_ID)
          .execute();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const result = await stepwise(['backup', target], { DATABASE_URL: store.url });
      writing = false;
      await writer;
      expect(result.output).toContain('integrity ok');
      expect(result.code).toBe(0);
      expect(written).toBeGreaterThan(0);

      const copy = openStore(`sqlite:${target}`);
      try {
        expect(await pendingMigrations(copy.db)).toEqual([]);
        expect(await recordCount(copy)).toBe(before);
        const org = await copy.db
          .selectFrom('orgs')
          .select('name')
          .where('id', '=', ORG_ID)
          .executeTakeFirst();
        expect(org).toBeDefined();
      } finally {
        await copy.close();
      }
      // It never overwrites a file.
      const again = await stepwise(['backup', target], { DATABASE_URL: store.url });
      expect(again.code).toBe(1);
      expect(again.output).toContain('exists');
    } finally {
      writing = false;
      await writer;
      await store.close();
    }
  }, 60_000);

  it('restores the SQLite copy into a new file with `stepwise restore`, and never over an existing one', async () => {
    const store = await freshStore('sqlite', { file: true });
    await seedWorld(store, Date.now());
    const copyFile = `${target}.copy`;
    const restoredFile = `${target}.restored`;
    try {
      expect((await stepwise(['backup', copyFile], { DATABASE_URL: store.url })).code).toBe(0);
      const restored = await stepwise(['restore', copyFile], { DATABASE_URL: `sqlite:${restoredFile}` });
      expect(restored.output).toContain('integrity ok');
      expect(restored.code).toBe(0);
      const copy = openStore(`sqlite:${restoredFile}`);
      try {
        expect(await pendingMigrations(copy.db)).toEqual([]);
        expect(await recordCount(copy)).toBe(await recordCount(store));
      } finally {
        await copy.close();
      }
      const again = await stepwise(['restore', copyFile], { DATABASE_URL: `sqlite:${restoredFile}` });
      expect(again.code).toBe(1);
      expect(again.output).toContain('exists');
    } finally {
      await store.close();
      for (const file of [copyFile, restoredFile, `${restoredFile}-wal`, `${restoredFile}-shm`])
        rmSync(file, { force: true });
    }
  }, 60_000);

  it('archives a PostgreSQL database being written to, and restores the archive into an empty one', async () => {
    const store = await freshStore('postgres');
    const now = Date.now();
    await seedWorld(store, now);
    const before = await recordCount(store);
    const archive = `${target}.jsonl.gz`;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await store.db
          .updateTable('orgs')
          .set({ name: `Org ${written++}` })
          .where('id', '=', ORG_ID)
          .execute();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const result = await stepwise(['backup', archive], { DATABASE_URL: store.url });
      writing = false;
      await writer;
      expect(result.output).toContain('Archived');
      expect(result.code).toBe(0);
      expect(written).toBeGreaterThan(0);

      const emptyUrl = await createPostgresDatabase();
      const restored = await stepwise(['restore', archive], { DATABASE_URL: emptyUrl });
      expect(restored.output).toContain('schema up to date');
      expect(restored.code).toBe(0);
      const copy = openStore(emptyUrl);
      try {
        expect(await pendingMigrations(copy.db)).toEqual([]);
        expect(await recordCount(copy)).toBe(before);
      } finally {
        await copy.close();
      }
      // A second restore into the same database is refused: it is no longer empty.
      const again = await stepwise(['restore', archive], { DATABASE_URL: emptyUrl });
      expect(again.code).toBe(1);
      expect(again.output).toContain('not empty');
    } finally {
      writing = false;
      await writer;
      await store.close();
      rmSync(archive, { force: true });
    }
  }, 60_000);
});
