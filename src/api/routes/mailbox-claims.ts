import type { Kysely } from 'kysely';
import { receivedByOtherOrg } from '../../store/repos/inbound-recipient-repo.ts';
import type { Database } from '../../store/schema.ts';
import { HttpProblem } from '../problems.ts';

const MESSAGE = 'Another organisation on this server receives mail at this address';

/**
 * A mailbox From is where the inbound SMTP listener delivers that address's mail, so one address belongs to one
 * organisation: a From another organisation already receives at (its mailbox From or a user's sign-in address)
 * is refused, or the second organisation would read the first one's mail (docs/mailboxes.md).
 */
export async function refuseFromTakenElsewhere(
  db: Kysely<Database>,
  orgId: string,
  fromAddress: string | null | undefined,
): Promise<void> {
  if (!fromAddress || !(await receivedByOtherOrg(db, orgId, fromAddress))) return;
  throw new HttpProblem(409, 'from_address_taken', MESSAGE, [
    { path: ['body', 'fromAddress'], code: 'from_address_taken', message: MESSAGE },
  ]);
}
