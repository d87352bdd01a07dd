import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Who an address handed to the inbound SMTP listener belongs to: the sellers (and org relays) sending with that
 * From address, each in its own organisation. Mail to an address nobody sends from is refused at RCPT time.
 */
export interface InboundOwner {
  orgId: string;
  /** null: an organisation relay (any sender of the organisation). */
  userId: string | null;
}

export async function findInboundOwners(db: Kysely<Database>, address: string): Promise<InboundOwner[]> {
  const wanted = address.trim().toLowerCase();
  if (!wanted) return [];
  const mailboxes = await db
    .selectFrom('mailboxes')
    .select(['org_id', 'user_id'])
    .where((eb) => eb(eb.fn('lower', ['from_address']), '=', wanted))
    .limit(20)
    .execute();
  const users = await db
    .selectFrom('users')
    .select(['org_id', 'id'])
    .where('email', '=', wanted)
    .limit(20)
    .execute();
  const owners: InboundOwner[] = [];
  const add = (owner: InboundOwner) => {
    if (!owners.some((o) => o.orgId === owner.orgId && o.userId === owner.userId)) owners.push(owner);
  };
  for (const row of mailboxes) add({ orgId: row.org_id, userId: row.user_id });
  for (const row of users) add({ orgId: row.org_id, userId: row.id });
  return owners;
}

/** The organisation of an outbound message (the VERP token names the message, not the organisation). */
export async function findOutboundOrg(db: Kysely<Database>, messageId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('outbound_messages')
    .select('org_id')
    .where('id', '=', messageId)
    .executeTakeFirst();
  return row?.org_id;
}

/**
 * Whether an organisation other than `orgId` receives inbound mail at `address` (a mailbox From or a user's
 * sign-in address there): one address delivers into one organisation only.
 */
export async function receivedByOtherOrg(
  db: Kysely<Database>,
  orgId: string,
  address: string,
): Promise<boolean> {
  return (await findInboundOwners(db, address)).some((owner) => owner.orgId !== orgId);
}
