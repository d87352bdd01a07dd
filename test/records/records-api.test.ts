import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';
import { addLeadFields } from './lead-fields.ts';

interface RecordBody {
  id: string;
  name: string;
  status: string;
  ownerId: string;
  ownerName: string | null;
  businessUnitId: string;
  custom: Record<string, unknown>;
  sequence: { id: string; name: string | null } | null;
  currentStep: { name: string; status: string } | null;
  company: string | null;
}

describe.each(dialects)('records API on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
    await addLeadFields(world);
  });
  afterAll(() => world.close());

  const create = async (body: Record<string, unknown>, as: Parameters<World['as']>[0] = 'eastSeller') => {
    const response = await world.as(as, 'POST', '/api/records', { type: 'lead', ...body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as RecordBody;
  };

  it('creates and updates a record with custom fields, status rules and an audit trail', async () => {
    const created = await create({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ADA@Example.com',
      company: 'Analytical Engines',
      timeZone: 'Europe/London',
      custom: { leadSource: 'web', budget: 12000, newsletterOptIn: true },
    });
    expect(created).toMatchObject({
      name: 'Ada Lovelace',
      status: 'open',
      ownerId: USERS.eastSeller.id,
      ownerName: 'east.seller',
      businessUnitId: USERS.eastSeller.businessUnitId,
      custom: { leadSource: 'web', budget: 12000, newsletterOptIn: true },
      sequence: null,
      currentStep: null,
    });
    expect((created as unknown as { email: string }).email).toBe('ada@example.com');

    world.clock.advance(1000);
    const patched = await world.as('eastSeller', 'PATCH', `/api/records/${created.id}`, {
      status: 'qualified',
      custom: { budget: null, leadSource: 'event' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      status: 'qualified',
      custom: { leadSource: 'event', newsletterOptIn: true },
    });
    expect(patched.json().custom.budget).toBeUndefined();

    const lost = await world.as('eastSeller', 'PATCH', `/api/records/${created.id}`, { status: 'lost' });
    expect(lost.statusCode).toBe(400);
    expect(lost.json().problems[0].path).toEqual(['body', 'status']);

    const audit = await world.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('org_id', '=', ORG_ID)
      .where('resource_id', '=', created.id)
      .orderBy('at')
      .execute();
    expect(audit.map((row) => row.action)).toEqual(['record.create', 'record.update']);
  });

  it('rejects bad input with field paths and writes nothing', async () => {
    const before = await world.store.db
      .selectFrom('records')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const bad = await world.as('eastSeller', 'POST', '/api/records', {
      type: 'lead',
      name: 'X',
      email: 'not-an-email',
      timeZone: 'Mars/Olympus',
      extra: 1,
    });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().problems.map((p: { path: (string | number)[] }) => p.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.timeZone']));

    const badCustom = await world.as('eastSeller', 'POST', '/api/records', {
      type: 'lead',
      name: 'Y',
      custom: { leadSource: 'radio', budget: 'lots', nope: 1 },
    });
    expect(badCustom.statusCode).toBe(400);
    expect(
      badCustom
        .json()
        .problems.map((p: { path: string[] }) => p.path.join('.'))
        .sort(),
    ).toEqual(['body.custom.budget', 'body.custom.leadSource', 'body.custom.nope']);

    const noName = await world.as('eastSeller', 'POST', '/api/records', {
      type: 'lead',
      company: 'Nameless',
    });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().problems[0].path).toEqual(['body', 'name']);

    const after = await world.store.db
      .selectFrom('records')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('shows records to their owner, managers of the unit tree and admins only', async () => {
    const entRecord = await create({ name: 'Enterprise Prospect' }, 'eastEntSeller');
    const west = await world.as('westSeller', 'GET', `/api/records/${entRecord.id}`);
    expect(west.statusCode).toBe(404);
    const peer = await world.as('eastSeller', 'GET', `/api/records/${entRecord.id}`);
    expect(peer.statusCode).toBe(404);
    const peerPatch = await world.as('eastSeller', 'PATCH', `/api/records/${entRecord.id}`, {
      name: 'Hijack',
    });
    expect(peerPatch.statusCode).toBe(404);
    for (const user of ['eastSalesManager', 'eastSeqManager', 'eastAdmin'] as const) {
      const response = await world.as(user, 'GET', `/api/records/${entRecord.id}`);
      expect(response.statusCode, user).toBe(200);
    }
    const westManager = await world.as('westSeqManager', 'GET', `/api/records/${entRecord.id}`);
    expect(westManager.statusCode).toBe(404);

    // A seller cannot give a record away to another unit; the manager can reassign within the tree.
    const giveAway = await world.as('eastEntSeller', 'PATCH', `/api/records/${entRecord.id}`, {
      ownerId: USERS.westSeller.id,
    });
    expect(giveAway.statusCode).toBe(403);
    const reassigned = await world.as('eastSalesManager', 'PATCH', `/api/records/${entRecord.id}`, {
      ownerId: USERS.eastSeller2.id,
    });
    expect(reassigned.statusCode, reassigned.body).toBe(200);
    expect(reassigned.json()).toMatchObject({
      ownerId: USERS.eastSeller2.id,
      businessUnitId: USERS.eastSeller2.businessUnitId,
    });

    const grid = await world.as('westSeller', 'GET', '/api/records?type=lead&limit=500');
    expect(grid.json().items.every((r: RecordBody) => r.ownerId === USERS.westSeller.id)).toBe(true);

    const deleted = await world.as('eastSeller2', 'DELETE', `/api/records/${entRecord.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await world.as('eastAdmin', 'GET', `/api/records/${entRecord.id}`)).statusCode).toBe(404);
  });

  it('lists the grid with search, filters, sorts, cursor pages and the current sequence step', async () => {
    const names = ['Gamma Grid', 'Alpha Grid', 'Delta Grid', 'Beta Grid', 'Epsilon Grid'];
    const made: RecordBody[] = [];
    for (const [index, name] of names.entries()) {
      world.clock.advance(1000);
      made.push(
        await create(
          {
            name,
            company: `Co ${String.fromCharCode(69 - index)}`,
            stage: index % 2 ? 'develop' : 'qualify',
          },
          'eastSeller2',
        ),
      );
    }
    // Connect "Delta Grid" to a sequence with a due step (rows written as the engine would).
    const delta = made[2]!;
    const now = world.clock.now();
    await world.store.db
      .insertInto('sequences')
      .values({
        org_id: ORG_ID,
        id: 'seq-grid',
        name: 'Grid cadence',
        description: '',
        record_type: 'lead',
        owner_id: USERS.eastSeller2.id,
        business_unit_id: USERS.eastSeller2.businessUnitId,
        status: 'active',
        draft_json: '{}',
        active_version_id: 'v1',
        is_template: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await world.store.db
      .insertInto('connections')
      .values({
        org_id: ORG_ID,
        id: 'conn-grid',
        record_id: delta.id,
        sequence_id: 'seq-grid',
        version_id: 'v1',
        status: 'active',
        state_json: '{}',
        current_node_id: 'n2',
        reason: null,
        owner_id: USERS.eastSeller2.id,
        connected_by: USERS.eastSeller2.id,
        connected_at: now,
        ended_at: null,
        updated_at: now,
      })
      .execute();
    await world.store.db
      .insertInto('step_instances')
      .values([
        {
          org_id: ORG_ID,
          id: 'si-1',
          connection_id: 'conn-grid',
          record_id: delta.id,
          sequence_id: 'seq-grid',
          node_id: 'n1',
          kind: 'manual_email',
          name: 'Intro email',
          status: 'completed',
          owner_id: USERS.eastSeller2.id,
          due_at: now,
          priority: 0,
          outcome: null,
          note: null,
          variant: null,
          completed_at: now,
          completed_by: USERS.eastSeller2.id,
          read_at: null,
          created_at: now,
          updated_at: now,
        },
        {
          org_id: ORG_ID,
          id: 'si-2',
          connection_id: 'conn-grid',
          record_id: delta.id,
          sequence_id: 'seq-grid',
          node_id: 'n2',
          kind: 'phone_call',
          name: 'Call',
          status: 'due',
          owner_id: USERS.eastSeller2.id,
          due_at: now + 5,
          priority: 0,
          outcome: null,
          note: null,
          variant: null,
          completed_at: null,
          completed_by: null,
          read_at: null,
          created_at: now + 1,
          updated_at: now,
        },
      ])
      .execute();

    const get = async (query: string) => {
      const response = await world.as('eastSeller2', 'GET', `/api/records?type=lead&${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as { items: RecordBody[]; nextCursor: string | null };
    };
    const byName = await get('q=grid&sort=name');
    expect(byName.items.map((r) => r.name)).toEqual([
      'Alpha Grid',
      'Beta Grid',
      'Delta Grid',
      'Epsilon Grid',
      'Gamma Grid',
    ]);
    const withStep = byName.items.find((r) => r.name === 'Delta Grid')!;
    expect(withStep.sequence).toMatchObject({ id: 'seq-grid', name: 'Grid cadence' });
    expect(withStep.currentStep).toMatchObject({ name: 'Call', status: 'due' });

    expect((await get('q=grid&sort=-created')).items.map((r) => r.name)).toEqual([...names].reverse());
    expect((await get('q=GRID&sort=company')).items.map((r) => r.company)).toEqual([
      'Co A',
      'Co B',
      'Co C',
      'Co D',
      'Co E',
    ]);
    expect((await get('q=grid&inSequence=yes')).items.map((r) => r.name)).toEqual(['Delta Grid']);
    expect((await get('q=grid&inSequence=no')).items).toHaveLength(4);
    expect((await get('sequenceId=seq-grid')).items.map((r) => r.name)).toEqual(['Delta Grid']);
    expect((await get('q=grid&stage=develop')).items.map((r) => r.name)).toEqual(['Alpha Grid', 'Beta Grid']);
    expect((await get(`q=grid&ownerId=${USERS.eastSeller.id}`)).items).toHaveLength(0);
    expect((await get('q=grid&status=qualified,disqualified')).items).toHaveLength(0);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: RecordBody[]; nextCursor: string | null } = await get(
        `q=grid&sort=-name&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((r) => r.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Gamma Grid', 'Epsilon Grid', 'Delta Grid', 'Beta Grid', 'Alpha Grid']);

    // Every sort pages consistently: pages of 2 give the same order as one big page.
    for (const sort of ['created', '-updated', 'company', '-company', 'status', '-status', 'name']) {
      const all = (await get(`sort=${sort}&limit=500`)).items.map((r) => r.id);
      const paged: string[] = [];
      let next: string | null = null;
      do {
        const page: { items: RecordBody[]; nextCursor: string | null } = await get(
          `sort=${sort}&limit=2${next ? `&cursor=${next}` : ''}`,
        );
        paged.push(...page.items.map((r) => r.id));
        next = page.nextCursor;
      } while (next);
      expect(paged, sort).toEqual(all);
    }

    const badSort = await world.as('eastSeller2', 'GET', '/api/records?sort=colour');
    expect(badSort.statusCode).toBe(400);

    const connectedDelete = await world.as('eastSeller2', 'DELETE', `/api/records/${delta.id}`);
    expect(connectedDelete.statusCode).toBe(409);

    // Reassigning the record moves its open steps to the new owner.
    const moved = await world.as('eastSalesManager', 'PATCH', `/api/records/${delta.id}`, {
      ownerId: USERS.eastSeller.id,
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const steps = await world.store.db
      .selectFrom('step_instances')
      .select(['id', 'owner_id'])
      .where('connection_id', '=', 'conn-grid')
      .orderBy('id')
      .execute();
    expect(steps).toEqual([
      { id: 'si-1', owner_id: USERS.eastSeller2.id },
      { id: 'si-2', owner_id: USERS.eastSeller.id },
    ]);

    // The old owner no longer sees it; the new one qualifies it, which ends the connection (engine hook, same transaction).
    expect((await world.as('eastSeller2', 'GET', `/api/records/${delta.id}`)).statusCode).toBe(404);
    const qualified = await world.as('eastSeller', 'PATCH', `/api/records/${delta.id}`, {
      status: 'qualified',
    });
    expect(qualified.statusCode, qualified.body).toBe(200);
    expect(qualified.json()).toMatchObject({ status: 'qualified', sequence: null, currentStep: null });
    const connection = await world.store.db
      .selectFrom('connections')
      .select(['status', 'reason'])
      .where('id', '=', 'conn-grid')
      .executeTakeFirstOrThrow();
    expect(connection).toEqual({ status: 'disconnected', reason: 'record_qualified' });
  });
});
