import type { Insertable, Kysely } from 'kysely';
import { hashSecret } from '../../src/api/auth/secrets.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { newId } from '../../src/store/ids.ts';
import type { ConnectionsTable, Database, RecordsTable, StepInstancesTable } from '../../src/store/schema.ts';
import { insertRows } from '../../src/store/seed/insert-rows.ts';

export const ORG = 'bench-org';
export const BU = 'bench-bu';

/** Inserts rows in multi-row statements of `chunk` rows (the store's seeding insert). */
export const insertChunked = insertRows;

export interface OrgFixture {
  sellers: string[];
  /** API token per seller (Bearer), for HTTP scenarios. */
  tokens: Map<string, string>;
}

/** One org, one business unit, `sellerCount` sellers with tokens, generous mail limits, no holidays. */
export async function createOrg(db: Kysely<Database>, sellerCount: number, now: number): Promise<OrgFixture> {
  await insertRows(db, 'orgs', [
    {
      id: ORG,
      name: 'Bench Org',
      settings_json: JSON.stringify({
        timeZone: 'UTC',
        mailLimits: {
          dailyLimit: 100_000,
          hourlyLimit: 10_000,
          perDomainHourlyLimit: 10_000,
          minSpacingSeconds: 0,
        },
      }),
      created_at: now,
    },
  ]);
  await insertRows(db, 'business_units', [
    { org_id: ORG, id: BU, name: 'Bench', parent_id: null, created_at: now },
  ]);
  const sellers = Array.from({ length: sellerCount }, (_, i) => `seller-${i}`);
  await insertChunked(
    db,
    'users',
    sellers.map((id, i) => ({
      org_id: ORG,
      id,
      email: `${id}@bench.example`,
      name: `Seller ${i}`,
      password_hash: 'x',
      business_unit_id: BU,
      locale: 'en',
      time_zone: 'UTC',
      working_hours_json: '{}',
      preferences_json: '{}',
      active: 1 as const,
      created_at: now,
    })),
  );
  await insertChunked(
    db,
    'role_assignments',
    sellers.map((id) => ({ org_id: ORG, user_id: id, role: 'seller' as const })),
  );
  const tokens = new Map(sellers.map((id) => [id, `bench-token-${id}`]));
  await insertChunked(
    db,
    'api_tokens',
    sellers.map((id) => ({
      org_id: ORG,
      id: `tok-${id}`,
      user_id: id,
      name: 'bench',
      token_hash: hashSecret(tokens.get(id)!),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    })),
  );
  await insertRows(db, 'record_fields', [
    {
      org_id: ORG,
      id: 'field-lead-stage',
      record_type: 'lead',
      name: 'leadStage',
      label: 'Lead stage',
      type: 'option_set',
      options_json: JSON.stringify([
        { value: 'new', label: 'New' },
        { value: 'contacted', label: 'Contacted' },
      ]),
      created_at: now,
    },
  ]);
  return { sellers, tokens };
}

/** `count` open leads spread over the sellers and over 100 recipient domains (so per-domain limits do not bite). */
export async function createLeads(
  db: Kysely<Database>,
  sellers: string[],
  count: number,
  now: number,
): Promise<string[]> {
  const ids: string[] = [];
  const rows: Insertable<RecordsTable>[] = [];
  for (let i = 0; i < count; i++) {
    const id = `lead-${i}`;
    ids.push(id);
    rows.push({
      org_id: ORG,
      id,
      type: 'lead',
      name: `Lead ${i}`,
      first_name: `First${i}`,
      last_name: `Last${i}`,
      company: `Company ${i % 5000}`,
      job_title: null,
      email: `lead${i}@domain${i % 100}.example`,
      phone_business: null,
      phone_mobile: null,
      time_zone: 'UTC',
      status: 'open',
      stage: null,
      owner_id: sellers[i % sellers.length]!,
      business_unit_id: BU,
      do_not_email: 0,
      do_not_call: 0,
      custom_json: '{}',
      created_at: now,
      updated_at: now,
    });
  }
  await insertChunked(db, 'records', rows);
  return ids;
}

export async function createTemplate(db: Kysely<Database>, now: number): Promise<string> {
  await insertRows(db, 'email_templates', [
    {
      org_id: ORG,
      id: 'tpl-intro',
      name: 'Intro',
      language: 'en',
      subject: 'Quick question, {{ record.first_name | default: "there" }}',
      body_html:
        '<p>Hi {{ record.first_name | default: "there" }},</p><p>Would a short call next week help?</p>',
      body_text: null,
      record_type: 'lead',
      owner_id: null,
      builtin: 0,
      created_at: now,
      updated_at: now,
    },
  ]);
  return 'tpl-intro';
}

/** An active sequence whose single version is `definition`. */
export async function createActiveSequence(
  db: Kysely<Database>,
  id: string,
  ownerId: string,
  definition: SequenceDefinition,
  now: number,
): Promise<{ sequenceId: string; versionId: string }> {
  const versionId = `${id}-v1`;
  await insertRows(db, 'sequences', [
    {
      org_id: ORG,
      id,
      name: id,
      description: '',
      record_type: 'lead',
      owner_id: ownerId,
      business_unit_id: BU,
      status: 'active',
      draft_json: JSON.stringify(definition),
      active_version_id: versionId,
      is_template: 0,
      created_at: now,
      updated_at: now,
    },
  ]);
  await insertRows(db, 'sequence_versions', [
    {
      org_id: ORG,
      id: versionId,
      sequence_id: id,
      version: 1,
      definition_json: JSON.stringify(definition),
      change_note: null,
      created_by: ownerId,
      created_at: now,
    },
  ]);
  return { sequenceId: id, versionId };
}

const options = {
  exitOnReply: true,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: true,
  trackClicks: true,
};

/** Ten manual and wait steps in a row (scenario 1). */
export function tenStepDefinition(): SequenceDefinition {
  const kinds = [
    'phone_call',
    'task',
    'wait',
    'phone_call',
    'linkedin_connect',
    'wait',
    'task',
    'phone_call',
    'wait',
    'task',
  ] as const;
  const nodes = kinds.map((kind, i) => {
    const next = i < kinds.length - 1 ? `s${i + 1}` : null;
    return kind === 'wait'
      ? { id: `s${i}`, kind, days: 1, hours: 0, next }
      : { id: `s${i}`, kind, name: `Step ${i + 1}`, next };
  });
  return { start: 's0', nodes, options } as SequenceDefinition;
}

/** Scenario 2: wait a day, then automated email → update field → wait → task. */
export function emailThroughputDefinition(templateId: string): SequenceDefinition {
  return {
    start: 'w0',
    nodes: [
      { id: 'w0', kind: 'wait', days: 1, hours: 0, next: 'e1' },
      { id: 'e1', kind: 'automated_email', name: 'Intro', templateId, next: 'u2' },
      {
        id: 'u2',
        kind: 'update_field',
        name: 'Mark contacted',
        field: 'leadStage',
        value: 'contacted',
        next: 'w3',
      },
      { id: 'w3', kind: 'wait', days: 2, hours: 0, next: 't4' },
      { id: 't4', kind: 'task', name: 'Follow up', next: null },
    ],
    options,
  };
}

/**
 * Scenario 3: for every seller, `connectionsPerSeller` live connections, each with four step instances — three
 * completed (history) and the current one due (over a span from 10 days overdue to 30 days ahead) — so there
 * are 4 × connections step instances in all, as a real org accumulates them.
 */
export async function createWorklistRows(
  db: Kysely<Database>,
  sellers: string[],
  connectionsPerSeller: number,
  sequenceId: string,
  versionId: string,
  now: number,
  onProgress?: (stepInstances: number) => void,
): Promise<void> {
  const kinds = ['phone_call', 'email', 'task', 'linkedin_connect'] as const;
  const day = 86_400_000;
  let records: Insertable<RecordsTable>[] = [];
  let connections: Insertable<ConnectionsTable>[] = [];
  let steps: Insertable<StepInstancesTable>[] = [];
  let written = 0;
  const flush = async () => {
    await insertChunked(db, 'records', records);
    await insertChunked(db, 'connections', connections);
    await insertChunked(db, 'step_instances', steps);
    written += steps.length;
    onProgress?.(written);
    records = [];
    connections = [];
    steps = [];
  };
  for (const [s, seller] of sellers.entries()) {
    for (let i = 0; i < connectionsPerSeller; i++) {
      const recordId = `wl-${s}-${i}`;
      const connectionId = `wl-conn-${s}-${i}`;
      records.push({
        org_id: ORG,
        id: recordId,
        type: i % 3 === 0 ? 'contact' : 'lead',
        name: `Record ${s}-${i}`,
        first_name: null,
        last_name: null,
        company: `Company ${i}`,
        job_title: null,
        email: `r${s}-${i}@example.com`,
        phone_business: '+48 22 000 00 00',
        phone_mobile: null,
        time_zone: 'UTC',
        status: 'open',
        stage: null,
        owner_id: seller,
        business_unit_id: BU,
        do_not_email: 0,
        do_not_call: 0,
        custom_json: '{}',
        created_at: now,
        updated_at: now,
      });
      connections.push({
        org_id: ORG,
        id: connectionId,
        record_id: recordId,
        sequence_id: sequenceId,
        version_id: versionId,
        status: 'active',
        state_json: '{}',
        current_node_id: 'n3',
        reason: null,
        owner_id: seller,
        connected_by: seller,
        connected_at: now - 20 * day,
        ended_at: null,
        updated_at: now,
      });
      for (let n = 0; n < 4; n++) {
        const current = n === 3;
        steps.push({
          org_id: ORG,
          id: newId(now - 20 * day + n * day + i),
          connection_id: connectionId,
          record_id: recordId,
          sequence_id: sequenceId,
          node_id: `n${n}`,
          kind: kinds[(i + n) % kinds.length]!,
          name: `Step ${n + 1}`,
          status: current ? 'due' : 'completed',
          owner_id: seller,
          due_at: current
            ? now + (((i * 7919) % 40) - 10) * day + (i % 24) * 3_600_000
            : now - (20 - n) * day,
          priority: i % 3,
          outcome: null,
          note: null,
          variant: null,
          completed_at: current ? null : now - (20 - n) * day,
          completed_by: current ? null : seller,
          read_at: i % 4 === 0 ? now : null,
          created_at: now - (20 - n) * day,
          updated_at: now,
        });
      }
      if (steps.length >= 8000) await flush();
    }
  }
  await flush();
}
