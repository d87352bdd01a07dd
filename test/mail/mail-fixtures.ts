import { testConfig } from '../../src/config.ts';
import type { FakeClock } from '../../src/engine/clock.ts';
import { MailDelivery, type MailWorkerDeps } from '../../src/mail/delivery.ts';
import { encryptSecret } from '../../src/mail/secrets.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { insertMailbox, type MailboxValues } from '../../src/store/repos/mailbox-repo.ts';
import { ORG_ID, USERS } from '../support/world.ts';

export { type LoopbackSmtp, type ReceivedMail, startSmtp } from '../support/loopback-smtp.ts';

/** Test helpers for the mail layer: rows the engine would write (the loopback SMTP server is in test/support). */

export const SECRET_KEY = testConfig().secretKey;
export const PUBLIC_URL = testConfig().publicUrl;

export async function addSmtpMailbox(
  store: Store,
  userId: string,
  port: number,
  now: number,
  limits: { daily?: number; hourly?: number; spacingSeconds?: number } = {},
) {
  return insertMailbox(
    store.db,
    ORG_ID,
    {
      user_id: userId,
      kind: 'smtp',
      from_name: 'Sam Seller',
      from_address: 'sam@seller.test',
      smtp_host: '127.0.0.1',
      smtp_port: port,
      smtp_secure: 0,
      smtp_user: 'sam',
      smtp_secret_enc: encryptSecret(SECRET_KEY, 'smtp-pass'),
      daily_limit: limits.daily ?? null,
      hourly_limit: limits.hourly ?? null,
      min_spacing_seconds: limits.spacingSeconds ?? null,
      imap_host: null,
      imap_port: null,
      imap_secure: 1,
      imap_user: null,
      imap_secret_enc: null,
      imap_last_uid: null,
      imap_last_error: null,
    },
    now,
  );
}

export const SELLER = USERS.eastSeller.id;

export interface Scenario {
  sequenceId: string;
  versionId: string;
  templateId: string;
}

/** A sequence (active version with one automated email node `n1`) and its template. */
export async function seedSequence(
  store: Store,
  now: number,
  options: { trackOpens?: boolean; trackClicks?: boolean; subject?: string; bodyHtml?: string } = {},
): Promise<Scenario> {
  const sequenceId = newId(now);
  const versionId = newId(now);
  const templateId = newId(now);
  const definition = {
    start: 'n1',
    nodes: [{ id: 'n1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
    options: {
      exitOnReply: true,
      skipNonWorkingDays: false,
      sendWindow: null,
      trackOpens: options.trackOpens ?? true,
      trackClicks: options.trackClicks ?? true,
    },
  };
  await store.db
    .insertInto('email_templates')
    .values({
      org_id: ORG_ID,
      id: templateId,
      name: 'Intro',
      language: 'en',
      subject: options.subject ?? 'Quick question, {{ record.first_name }}',
      body_html:
        options.bodyHtml ??
        '<p>Hi {{ record.first_name }},</p><p>Have a look at <a href="https://example.com/pricing?x=1&amp;y=2">our pricing</a>.</p><p>{{ owner.name }}</p>',
      body_text: null,
      record_type: 'lead',
      owner_id: null,
      builtin: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto('sequences')
    .values({
      org_id: ORG_ID,
      id: sequenceId,
      name: `Seq ${sequenceId}`,
      description: '',
      record_type: 'lead',
      owner_id: SELLER,
      business_unit_id: 'bu-east',
      status: 'active',
      draft_json: JSON.stringify(definition),
      active_version_id: versionId,
      is_template: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto('sequence_versions')
    .values({
      org_id: ORG_ID,
      id: versionId,
      sequence_id: sequenceId,
      version: 1,
      definition_json: JSON.stringify(definition),
      change_note: null,
      created_by: SELLER,
      created_at: now,
    })
    .execute();
  return { sequenceId, versionId, templateId };
}

export interface Recipient {
  recordId: string;
  connectionId: string;
  stepInstanceId: string;
  outboundId: string;
}

/** A lead connected to the sequence, its email step instance and the queued outbox row the engine writes. */
export async function queueEmail(
  store: Store,
  scenario: Scenario,
  now: number,
  options: {
    email?: string;
    firstName?: string | null;
    ownerId?: string;
    notBefore?: number;
    tracking?: 0 | 1;
  } = {},
): Promise<Recipient> {
  const recordId = newId(now);
  const connectionId = newId(now);
  const stepInstanceId = newId(now);
  const outboundId = newId(now);
  const ownerId = options.ownerId ?? SELLER;
  const email = options.email ?? `lead-${recordId.slice(-8)}@customer.test`;
  await store.db
    .insertInto('records')
    .values({
      org_id: ORG_ID,
      id: recordId,
      type: 'lead',
      name: `${options.firstName ?? 'Nameless'} Lead`,
      first_name: options.firstName === undefined ? 'Ada' : options.firstName,
      last_name: 'Lovelace',
      company: 'Analytical Engines',
      job_title: 'CTO',
      email,
      phone_business: null,
      phone_mobile: null,
      time_zone: null,
      status: 'open',
      stage: null,
      owner_id: ownerId,
      business_unit_id: 'bu-east',
      do_not_email: 0,
      do_not_call: 0,
      custom_json: '{}',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto('connections')
    .values({
      org_id: ORG_ID,
      id: connectionId,
      record_id: recordId,
      sequence_id: scenario.sequenceId,
      version_id: scenario.versionId,
      status: 'active',
      state_json: '{}',
      current_node_id: 'n1',
      reason: null,
      owner_id: ownerId,
      connected_by: ownerId,
      connected_at: now,
      ended_at: null,
      updated_at: now,
    })
    .execute();
  await store.db
    .insertInto('step_instances')
    .values({
      org_id: ORG_ID,
      id: stepInstanceId,
      connection_id: connectionId,
      record_id: recordId,
      sequence_id: scenario.sequenceId,
      node_id: 'n1',
      kind: 'automated_email',
      name: 'Intro',
      status: 'completed',
      owner_id: ownerId,
      due_at: now,
      priority: 0,
      outcome: null,
      note: null,
      variant: null,
      completed_at: now,
      completed_by: null,
      read_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await insertOutbound(store, {
    id: outboundId,
    connectionId,
    stepInstanceId,
    recordId,
    senderUserId: ownerId,
    to: email,
    templateId: scenario.templateId,
    notBefore: options.notBefore ?? now,
    tracking: options.tracking ?? 1,
    now,
  });
  return { recordId, connectionId, stepInstanceId, outboundId };
}

export async function insertOutbound(
  store: Store,
  values: {
    id: string;
    connectionId: string | null;
    stepInstanceId: string | null;
    recordId: string | null;
    senderUserId: string;
    to: string;
    templateId: string | null;
    notBefore: number;
    tracking: 0 | 1;
    now: number;
  },
): Promise<void> {
  await store.db
    .insertInto('outbound_messages')
    .values({
      org_id: ORG_ID,
      id: values.id,
      connection_id: values.connectionId,
      step_instance_id: values.stepInstanceId,
      record_id: values.recordId,
      sender_user_id: values.senderUserId,
      to_address: values.to,
      subject: '',
      body_html: '',
      body_text: '',
      message_id: `<${values.id}@stepwise.local>`,
      idempotency_key: `${values.connectionId ?? values.id}:n1:0`,
      status: 'queued',
      hold_reason: null,
      template_id: values.templateId,
      variant: null,
      tracking: values.tracking,
      not_before: values.notBefore,
      attempts: 0,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      sent_at: null,
      created_at: values.now,
      updated_at: values.now,
    })
    .execute();
}

export function deliveryFor(
  store: Store,
  clock: FakeClock,
  extra: Partial<MailWorkerDeps> = {},
): MailDelivery {
  return new MailDelivery({
    store,
    clock,
    config: {
      secretKey: SECRET_KEY,
      publicUrl: PUBLIC_URL,
      smtpUrl: undefined,
      outboundAllowList: testConfig().outboundAllowList,
      worker: { batchSize: 200, leaseMs: 60_000, pollMs: 1000 },
    },
    ...extra,
  });
}

export async function scheduledEvents(store: Store, connectionId: string) {
  const rows = await store.db
    .selectFrom('scheduled_tasks')
    .select(['payload_json', 'idempotency_key', 'kind'])
    .where('org_id', '=', ORG_ID)
    .where('connection_id', '=', connectionId)
    .orderBy('id')
    .execute();
  return rows.map(
    (row) =>
      JSON.parse(row.payload_json) as {
        id: string;
        type: string;
        result?: string;
        reason?: string;
        nodeId?: string;
      },
  );
}

/** An inbound credential of the org, made through the admin API (the production path), for posting mail in. */
export async function inboundSecretFor(
  world: {
    as(
      user: 'eastAdmin',
      method: 'POST',
      url: string,
      body?: unknown,
    ): Promise<{ statusCode: number; json(): { secret: string } }>;
  },
  mailboxId?: string,
): Promise<string> {
  const created = await world.as('eastAdmin', 'POST', '/api/inbound/credentials', {
    label: 'MTA pipe',
    ...(mailboxId ? { mailboxId } : {}),
  });
  if (created.statusCode !== 201) throw new Error(`inbound credential: ${created.statusCode}`);
  return created.json().secret;
}

/**
 * The fields of a seller's catch-all IMAP mailbox (replies read from `imap`), signed in as `user` with `password`,
 * for `insertMailbox`.
 */
export function imapMailboxFields(imap: {
  host: string;
  port: number;
  user: string;
  password: string;
  lastUid?: number | null;
}): MailboxValues {
  return {
    user_id: SELLER,
    kind: 'catch_all',
    from_name: null,
    from_address: null,
    smtp_host: null,
    smtp_port: null,
    smtp_secure: 0,
    smtp_user: null,
    smtp_secret_enc: null,
    daily_limit: null,
    hourly_limit: null,
    min_spacing_seconds: null,
    imap_host: imap.host,
    imap_port: imap.port,
    imap_secure: 0,
    imap_user: imap.user,
    imap_secret_enc: encryptSecret(SECRET_KEY, imap.password),
    imap_last_uid: imap.lastUid ?? null,
    imap_last_error: null,
  };
}
