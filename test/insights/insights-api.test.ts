import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

/** Inserts a sequence with connections, steps, sent emails and engagement, as the engine and mail would. */
async function seedActivity(world: World) {
  const now = world.clock.now();
  const db = world.store.db;
  await db
    .insertInto('sequences')
    .values({
      org_id: ORG_ID,
      id: 'seq-1',
      name: 'Outbound',
      description: '',
      record_type: 'lead',
      owner_id: USERS.eastSeller.id,
      business_unit_id: USERS.eastSeller.businessUnitId,
      status: 'active',
      draft_json: '{"start":null,"nodes":[]}',
      active_version_id: 'v1',
      is_template: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const connection = (
    id: string,
    status: 'active' | 'completed' | 'disconnected',
    reason: string | null,
    at: number,
  ) => ({
    org_id: ORG_ID,
    id,
    record_id: `r-${id}`,
    sequence_id: 'seq-1',
    version_id: 'v1',
    status,
    state_json: '{}',
    current_node_id: null,
    reason,
    owner_id: USERS.eastSeller.id,
    connected_by: USERS.eastSeller.id,
    connected_at: at,
    ended_at: status === 'active' ? null : at,
    updated_at: at,
  });
  await db
    .insertInto('connections')
    .values([
      connection('c1', 'disconnected', 'record_qualified', now - 2 * DAY),
      connection('c2', 'active', null, now - 3 * DAY),
      connection('c3', 'completed', 'completed', now - 4 * DAY),
      connection('c4', 'completed', 'completed', now - 100 * DAY),
    ])
    .execute();
  const step = (
    id: string,
    connectionId: string,
    nodeId: string,
    status: 'completed' | 'skipped' | 'due',
  ) => ({
    org_id: ORG_ID,
    id,
    connection_id: connectionId,
    record_id: `r-${connectionId}`,
    sequence_id: 'seq-1',
    node_id: nodeId,
    kind: nodeId === 'n1' ? 'automated_email' : 'phone_call',
    name: nodeId === 'n1' ? 'Intro' : 'Call',
    status,
    owner_id: USERS.eastSeller.id,
    due_at: now - DAY,
    priority: 0,
    outcome: null,
    note: null,
    variant: null,
    completed_at: status === 'completed' ? now - DAY : null,
    completed_by: null,
    read_at: null,
    created_at: now - DAY,
    updated_at: now - DAY,
  });
  await db
    .insertInto('step_instances')
    .values([
      step('s1', 'c1', 'n1', 'completed'),
      step('s2', 'c2', 'n1', 'completed'),
      step('s3', 'c3', 'n1', 'completed'),
      step('s4', 'c1', 'n2', 'skipped'),
      step('s5', 'c2', 'n2', 'due'),
    ])
    .execute();
  const message = (id: string, stepId: string, connectionId: string, variant: string) => ({
    org_id: ORG_ID,
    id,
    connection_id: connectionId,
    step_instance_id: stepId,
    record_id: `r-${connectionId}`,
    sender_user_id: USERS.eastSeller.id,
    to_address: `${id}@example.com`,
    subject: 'Hi',
    body_html: '<p>Hi</p>',
    body_text: 'Hi',
    message_id: `<${id}@test>`,
    idempotency_key: id,
    status: 'sent' as const,
    hold_reason: null,
    template_id: null,
    variant,
    tracking: 1 as const,
    not_before: now - DAY,
    attempts: 1,
    last_error: null,
    lease_owner: null,
    lease_until: null,
    sent_at: now - DAY,
    created_at: now - DAY,
    updated_at: now - DAY,
  });
  await db
    .insertInto('outbound_messages')
    .values([message('m1', 's1', 'c1', 'A'), message('m2', 's2', 'c2', 'B'), message('m3', 's3', 'c3', 'A')])
    .execute();
  const event = (id: string, messageId: string, type: 'open' | 'reply' | 'click', machine: 0 | 1) => ({
    org_id: ORG_ID,
    id,
    outbound_message_id: messageId,
    connection_id: null,
    record_id: null,
    type,
    dedupe_key: id,
    machine,
    data_json: '{}',
    occurred_at: now,
    created_at: now,
  });
  await db
    .insertInto('engagement_events')
    .values([
      event('e1', 'm1', 'open', 0),
      event('e2', 'm1', 'open', 0),
      event('e3', 'm1', 'reply', 0),
      event('e4', 'm2', 'open', 1),
      event('e5', 'm3', 'click', 0),
    ])
    .execute();
}

describe.each(dialects)('insights API on %s', (dialect) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(dialect);
    await seedActivity(world);
  });
  afterAll(() => world.close());

  it('counts the funnel, steps, email rates (machine opens excluded), A/B variants and success', async () => {
    const response = await world.as('eastSeqManager', 'GET', '/api/sequences/seq-1/insights?days=30');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.connections).toMatchObject({ total: 3, active: 1, completed: 1, disconnected: 1 });
    const call = body.steps.find((s: { nodeId: string }) => s.nodeId === 'n2');
    expect(call).toMatchObject({ skipped: 1, open: 1, email: null });
    expect(body.email).toMatchObject({ sent: 3, opened: 1, clicked: 1, replied: 1, openRate: 0.3333 });
    expect(body.abTests).toHaveLength(1);
    expect(
      body.abTests[0].variants.map((v: { variant: string; sent: number }) => [v.variant, v.sent]),
    ).toEqual([
      ['A', 2],
      ['B', 1],
    ]);
    expect(body.success).toMatchObject({ reasons: ['record_qualified'], connected: 3, succeeded: 1 });

    const year = await world.as('eastSeqManager', 'GET', '/api/sequences/seq-1/insights?days=365');
    expect(year.json().connections.total).toBe(4);
  });

  it('exports CSV and refuses sellers, other business units and bad windows', async () => {
    const csv = await world.as('eastAdmin', 'GET', '/api/sequences/seq-1/insights.csv?days=90');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe(
      'node_id,name,kind,completed,skipped,canceled,failed,open,sent,opened,clicked,replied,bounced',
    );
    expect((await world.as('eastSeller2', 'GET', '/api/sequences/seq-1/insights')).statusCode).toBe(403);
    expect((await world.as('westSeqManager', 'GET', '/api/sequences/seq-1/insights')).statusCode).toBe(404);
    const bad = await world.as('eastAdmin', 'GET', '/api/sequences/seq-1/insights?days=31');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems[0].path).toEqual(['querystring', 'days']);
  });

  it('reports work done and overdue per seller to managers', async () => {
    const response = await world.as('eastSalesManager', 'GET', '/api/insights/sellers?days=30');
    expect(response.statusCode).toBe(200);
    const seller = response
      .json()
      .sellers.find((s: { ownerId: string }) => s.ownerId === USERS.eastSeller.id);
    expect(seller).toMatchObject({ completed: 3, skipped: 1, open: 1, overdue: 1 });
    expect((await world.as('westSeqManager', 'GET', '/api/insights/sellers')).json().sellers).toEqual([]);
  });

  it('counts a step as overdue per seller only after the grace the work list gives it', async () => {
    const now = world.clock.now();
    const fresh = {
      org_id: ORG_ID,
      id: 's-fresh',
      connection_id: 'c1',
      record_id: 'r-c1',
      sequence_id: 'seq-1',
      node_id: 'n9',
      kind: 'phone_call',
      name: 'Call',
      status: 'due' as const,
      owner_id: USERS.eastSeller.id,
      // Due five minutes ago: on the work list it is due today, not overdue yet.
      due_at: now - 5 * 60_000,
      priority: 0,
      created_at: now,
      updated_at: now,
    };
    await world.store.db.insertInto('step_instances').values(fresh).execute();
    const sellers = (await world.as('eastSalesManager', 'GET', '/api/insights/sellers?days=30')).json()
      .sellers;
    const seller = sellers.find((s: { ownerId: string }) => s.ownerId === USERS.eastSeller.id);
    expect(seller).toMatchObject({ open: 2, overdue: 1 });
  });
});
