import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/commands/import-command.ts';
import { testConfig } from '../../src/config.ts';
import { runImportJobs } from '../../src/engine/import-jobs.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

const ZONES = ['Europe/Warsaw', 'America/New_York', 'Asia/Tokyo', 'UTC'];

/** 10,000 lead rows; rows 2+500, 2+5000 and the last one are broken in different ways. */
function bigCsv(): string {
  const lines = ['First name,Last name,Email,Company,Time zone,Owner,Lead source,Budget'];
  for (let i = 0; i < 10_000; i++) {
    let email = `person${i}@example.com`;
    let zone = ZONES[i % ZONES.length]!;
    let owner: string = i % 2 ? USERS.eastSeller.email : USERS.eastSeller2.email;
    if (i === 500) email = 'not-an-email';
    if (i === 5000) zone = 'Mars/Olympus_Mons';
    if (i === 9999) owner = 'nobody@example.com';
    lines.push(
      `Person,Number ${i},${email},"Company ${i % 97}, Inc.",${zone},${owner},${i % 3 ? 'web' : 'event'},${i * 10}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe.each(dialects)('CSV import on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
    await world.as('eastAdmin', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'leadSource',
      label: 'Lead source',
      type: 'option_set',
      options: [
        { value: 'web', label: 'Web' },
        { value: 'event', label: 'Event' },
      ],
    });
    world.clock.advance(1);
    await world.as('eastAdmin', 'POST', '/api/record-fields', {
      recordType: 'lead',
      name: 'budget',
      label: 'Budget',
      type: 'number',
    });
  });
  afterAll(() => world.close());

  it('imports 9,997 of 10,000 rows and reports the 3 bad ones with reasons (CLI)', async () => {
    const lines: string[] = [];
    const started = performance.now();
    const report = await runImport(
      { store: world.store, config: testConfig(), clock: world.clock },
      {
        type: 'lead',
        csv: bigCsv(),
        source: 'big.csv',
        map: [],
        progress: false,
        print: (line) => lines.push(line),
      },
    );
    const seconds = (performance.now() - started) / 1000;
    expect(report).toMatchObject({ total: 10_000, imported: 9_997, failed: 3, problems: [] });
    expect(report.errors).toEqual([
      { row: 502, reasons: ['invalid email "not-an-email"'] },
      { row: 5002, reasons: [expect.stringContaining('bad time zone "Mars/Olympus_Mons"')] },
      { row: 10_001, reasons: ['owner "nobody@example.com" is not a user you may give records to'] },
    ]);
    expect(lines.join('\n')).toContain('row 502: invalid email "not-an-email"');
    expect(lines.at(-1)).toBe('Imported 9997 of 10000 lead rows; 3 not imported.');
    expect(seconds).toBeLessThan(20);

    const count = await world.store.db
      .selectFrom('records')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('org_id', '=', ORG_ID)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(9_997);
    const sample = await world.store.db
      .selectFrom('records')
      .selectAll()
      .where('email', '=', 'person7@example.com')
      .executeTakeFirstOrThrow();
    expect(sample).toMatchObject({
      name: 'Person Number 7',
      company: 'Company 7, Inc.',
      time_zone: 'UTC',
      owner_id: USERS.eastSeller.id,
      business_unit_id: USERS.eastSeller.businessUnitId,
      status: 'open',
    });
    expect(JSON.parse(sample.custom_json)).toEqual({ leadSource: 'web', budget: 70 });
  });

  it('applies --map overrides and refuses a mapping to an unknown field before importing anything', async () => {
    const lines: string[] = [];
    const csv = 'Full,E-mail address,Notes,Owner\nZed Zulu,zed@example.com,hello,\n,x@example.com,,\n';
    const deps = { store: world.store, config: testConfig(), clock: world.clock };
    const refused = await runImport(deps, {
      type: 'lead',
      csv,
      source: 'small.csv',
      map: ['Full=colour'],
      progress: false,
      print: (line) => lines.push(line),
    });
    expect(refused.imported).toBe(0);
    expect(refused.problems[0]).toContain('"colour"');

    const report = await runImport(deps, {
      type: 'lead',
      csv,
      source: 'small.csv',
      map: ['Full=name', 'E-mail address=email'],
      owner: USERS.westSeller.email,
      progress: false,
      print: (line) => lines.push(line),
    });
    expect(report).toMatchObject({ imported: 1, failed: 1, ignoredColumns: ['Notes'] });
    expect(report.errors).toEqual([{ row: 3, reasons: ['missing name'] }]);
    const zed = await world.store.db
      .selectFrom('records')
      .selectAll()
      .where('email', '=', 'zed@example.com')
      .executeTakeFirstOrThrow();
    expect(zed.owner_id).toBe(USERS.westSeller.id);
  });

  it('imports over the API (text/csv and JSON) with a per-row report and owner permissions', async () => {
    const session = await world.session('eastSeller');
    const csv =
      'Name,Email,Owner,Lead source,Budget\nAnn A,ann@example.com,,web,100\nBob B,bob@example.com,west.seller@example.com,,\nCid C,cid@example,,,\nDee D,dee@example.com,,radio,lots\n';
    const response = await world.app.inject({
      method: 'POST',
      url: '/api/records/import?type=lead',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(response.statusCode, response.body).toBe(202);
    const { jobId } = response.json() as { jobId: string };
    await runImportJobs({ store: world.store, clock: world.clock });
    const job = await world.as('eastSeller', 'GET', `/api/import-jobs/${jobId}`);
    expect(job.statusCode, job.body).toBe(200);
    expect(job.json()).toMatchObject({
      status: 'done',
      total: 4,
      processed: 4,
      imported: 1,
      failed: 3,
      duplicates: 0,
      ignoredColumns: [],
      error: null,
      errors: [
        { row: 3, reasons: ['owner "west.seller@example.com" is not a user you may give records to'] },
        { row: 4, reasons: ['invalid email "cid@example"'] },
        {
          row: 5,
          reasons: ['leadSource: "radio" is not one of: web, event', 'budget: "lots" is not a number'],
        },
      ],
    });
    // Someone else's job is not visible.
    expect((await world.as('westSeller', 'GET', `/api/import-jobs/${jobId}`)).statusCode).toBe(404);
    const ann = await world.store.db
      .selectFrom('records')
      .selectAll()
      .where('email', '=', 'ann@example.com')
      .executeTakeFirstOrThrow();
    expect(ann.owner_id).toBe(USERS.eastSeller.id);

    const json = await world.as('eastAdmin', 'POST', '/api/records/import', {
      type: 'contact',
      csv: 'Contact,Mail\nEve E,eve@example.com\n',
      mapping: { Contact: 'name', Mail: 'email' },
      ownerId: USERS.westSeller.id,
    });
    expect(json.statusCode, json.body).toBe(202);
    await runImportJobs({ store: world.store, clock: world.clock });
    const contactJob = await world.as('eastAdmin', 'GET', `/api/import-jobs/${json.json().jobId}`);
    expect(contactJob.json()).toMatchObject({ status: 'done', imported: 1, failed: 0 });

    const badMapping = await world.as('eastAdmin', 'POST', '/api/records/import', {
      type: 'contact',
      csv: 'Contact\nEve\n',
      mapping: { Contact: 'nonsense' },
    });
    expect(badMapping.statusCode).toBe(400);
    expect(badMapping.json().code).toBe('import_refused');

    const noType = await world.app.inject({
      method: 'POST',
      url: '/api/records/import',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'text/csv' },
      payload: 'Name\nA\n',
    });
    expect(noType.statusCode).toBe(400);
    expect(noType.json().problems[0].path).toEqual(['querystring', 'type']);
  });
});
