import { afterAll, describe, expect, it } from 'vitest';
import type { DialectName, Store } from '../../src/store/db.ts';
import { freshStore } from '../support/databases.ts';
import { ORG_ID, PASSWORD, seedWorld, USERS } from '../support/world.ts';
import { faultScale, freePort, killAll, pause, type StepwiseProcess, spawnStepwise } from './harness.ts';

/**
 * A CSV import of 20,000 rows, and the server SIGKILLed in the middle of it. After a restart the job finishes
 * where it stopped: every good row is there exactly once, the per-row report covers the whole file, and
 * uploading the file again adds nothing.
 */
const ROWS = 20_000;
const dialectsUnderTest: DialectName[] = faultScale(['sqlite'], ['sqlite', 'postgres']);

afterAll(() => killAll());

function bigCsv(extra = 0): string {
  const lines = ['Name,Email,Company'];
  for (let i = 0; i < ROWS + extra; i++) {
    let email = `person${i}@import.test`;
    if (i === 100) email = 'not-an-email';
    if (i === 15_000) email = 'PERSON7@import.test'; // the same person as row 7, in capitals: a duplicate
    lines.push(`Person ${i},${email},Company ${i % 50}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Job {
  status: string;
  total: number;
  processed: number;
  imported: number;
  failed: number;
  duplicates: number;
  errors: { row: number; reasons: string[] }[];
}

class Client {
  constructor(
    private readonly base: string,
    private readonly cookie: string,
    private readonly csrf: string,
  ) {}
  static async signIn(base: string): Promise<Client> {
    const pre = await fetch(`${base}/api/auth/login-token`);
    const { loginToken } = (await pre.json()) as { loginToken: string };
    const response = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `sw_login=${loginToken}`,
        'x-login-token': loginToken,
      },
      body: JSON.stringify({ email: USERS.eastAdmin.email, password: PASSWORD }),
    });
    if (response.status !== 200) throw new Error(`login: ${response.status} ${await response.text()}`);
    const cookie = (response.headers.get('set-cookie') ?? '').match(/sw_session=[^;]+/)?.[0] ?? '';
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    return new Client(base, cookie, csrfToken);
  }
  async upload(csv: string): Promise<{ status: number; body: { jobId: string; existing: boolean } }> {
    const response = await fetch(`${this.base}/api/records/import?type=lead`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, 'content-type': 'text/csv' },
      body: csv,
    });
    return { status: response.status, body: (await response.json()) as { jobId: string; existing: boolean } };
  }
  async job(id: string): Promise<Job> {
    const response = await fetch(`${this.base}/api/import-jobs/${id}`, { headers: { cookie: this.cookie } });
    if (response.status !== 200) throw new Error(`job: ${response.status} ${await response.text()}`);
    return (await response.json()) as Job;
  }
  async until(id: string, done: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (done(job) || Date.now() > deadline) return job;
      await pause(15);
    }
  }
}

async function leadCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', ORG_ID)
    .where('type', '=', 'lead')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(dialectsUnderTest)('an import interrupted by SIGKILL on %s', (dialect) => {
  it('resumes after a restart, reports every row once, and a re-upload adds nothing', async () => {
    const store = await freshStore(dialect, { file: true });
    try {
      await seedWorld(store, Date.now());
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        DATABASE_URL: store.url,
        PORT: String(port),
        WORKER_POLL_MS: '50',
        WORKER_LEASE_MS: '3000',
      };
      const start = async (): Promise<StepwiseProcess> => {
        const serve = spawnStepwise('serve', ['serve'], env);
        // Both lines come at the end of the start, one right after the other: the same time for both (with 30 s
        // for the second, a start of 30–60 s on a busy machine failed although serve was up).
        await Promise.all([
          serve.waitFor('Stepwise is serving', 60_000),
          serve.waitFor('background work started', 60_000),
        ]);
        return serve;
      };
      let serve = await start();
      let client = await Client.signIn(base);
      const csv = bigCsv();
      const upload = await client.upload(csv);
      expect(upload.status).toBe(202);
      const { jobId } = upload.body;

      const midway = await client.until(jobId, (job) => job.processed > 0);
      await serve.kill('SIGKILL');
      expect(midway.processed).toBeGreaterThan(0);
      expect(midway.processed).toBeLessThan(ROWS);
      const committed = await leadCount(store);
      expect(committed).toBeLessThan(ROWS - 2);

      serve = await start();
      client = await Client.signIn(base);
      const job = await client.until(jobId, (j) => j.status === 'done' || j.status === 'failed');
      expect(job).toMatchObject({
        status: 'done',
        total: ROWS,
        processed: ROWS,
        imported: ROWS - 2,
        failed: 1,
        duplicates: 1,
      });
      expect(job.errors).toEqual([
        { row: 102, reasons: ['invalid email "not-an-email"'] },
        {
          row: 15_002,
          reasons: [expect.stringContaining('duplicate: a lead with email "person7@import.test"')],
        },
      ]);
      expect(await leadCount(store)).toBe(ROWS - 2);
      const twice = await store.db
        .selectFrom('records')
        .select((eb) => [eb.fn<string>('lower', ['email']).as('email'), eb.fn.countAll<number>().as('n')])
        .where('org_id', '=', ORG_ID)
        .groupBy((eb) => eb.fn('lower', ['email']))
        .having((eb) => eb.fn.countAll(), '>', 1)
        .execute();
      expect(twice).toEqual([]);

      // The same file again: the same job, nothing new.
      const again = await client.upload(csv);
      expect(again).toEqual({ status: 200, body: { jobId, existing: true, status: 'done' } });
      // A file with the same rows and 5 more: a new job that adds only the 5.
      const grown = await client.upload(bigCsv(5));
      expect(grown.status).toBe(202);
      const second = await client.until(
        grown.body.jobId,
        (j) => j.status === 'done' || j.status === 'failed',
      );
      expect(second).toMatchObject({ status: 'done', imported: 5, failed: 1, duplicates: ROWS - 1 });
      expect(await leadCount(store)).toBe(ROWS - 2 + 5);
      await serve.kill('SIGTERM');
    } finally {
      await store.close();
    }
  }, 180_000);
});
