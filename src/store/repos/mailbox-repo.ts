import type { Kysely, Selectable } from 'kysely';
import { newId } from '../ids.ts';
import type { Database, MailboxesTable } from '../schema.ts';

export type MailboxRow = Selectable<MailboxesTable>;

export async function listMailboxes(db: Kysely<Database>, orgId: string): Promise<MailboxRow[]> {
  return db
    .selectFrom('mailboxes')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findMailbox(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<MailboxRow | undefined> {
  return db
    .selectFrom('mailboxes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The sender's own mailbox, else the org relay (user_id null), else undefined (config relay or catch-all). */
export async function resolveMailbox(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<MailboxRow | undefined> {
  const rows = await db
    .selectFrom('mailboxes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('user_id', 'is', null)]))
    .orderBy('created_at')
    .execute();
  return rows.find((row) => row.user_id === userId) ?? rows.find((row) => row.user_id === null);
}

export type MailboxValues = Omit<MailboxRow, 'org_id' | 'id' | 'created_at' | 'updated_at'>;

export async function insertMailbox(
  db: Kysely<Database>,
  orgId: string,
  values: MailboxValues,
  now: number,
): Promise<MailboxRow> {
  const row: MailboxRow = { org_id: orgId, id: newId(now), ...values, created_at: now, updated_at: now };
  await db.insertInto('mailboxes').values(row).execute();
  return row;
}

export async function updateMailbox(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  values: Partial<MailboxValues>,
  now: number,
): Promise<void> {
  await db
    .updateTable('mailboxes')
    .set({ ...values, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteMailbox(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('mailboxes').where('org_id', '=', orgId).where('id', '=', id).execute();
  // An OAuth mailbox's tokens go with it (issue 19).
  await db.deleteFrom('mailbox_oauth').where('org_id', '=', orgId).where('mailbox_id', '=', id).execute();
}

/** Mailboxes with IMAP polling configured (all organisations). */
export async function listImapMailboxes(db: Kysely<Database>): Promise<MailboxRow[]> {
  return db.selectFrom('mailboxes').selectAll().where('imap_host', 'is not', null).execute();
}

export async function saveImapProgress(
  db: Kysely<Database>,
  row: Pick<MailboxRow, 'org_id' | 'id'>,
  lastUid: number | null,
  error: string | null,
): Promise<void> {
  await db
    .updateTable('mailboxes')
    .set({ imap_last_uid: lastUid, imap_last_error: error })
    .where('org_id', '=', row.org_id)
    .where('id', '=', row.id)
    .execute();
}
