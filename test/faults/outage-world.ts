import { connectRecords } from '../../src/engine/connect-records.ts';
import type { Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { loadOrgPolicy, loadSequenceForConnect } from '../../src/store/repos/connections-repo.ts';
import { loadActor } from '../../src/store/repos/identity-repo.ts';
import { addSmtpMailbox, SELLER, seedSequence } from '../mail/mail-fixtures.ts';
import { ORG_ID, seedWorld } from '../support/world.ts';

/**
 * The data of the email fault tests: the test organisation, one seller whose mailbox sends through the sink,
 * an active sequence whose only step is an automated email carrying the recipient's unique token, and `count`
 * open leads with their own addresses, connected to it (which queues one email each).
 */
export async function seedEmailWorld(store: Store, input: { smtpPort: number; now: number }) {
  await seedWorld(store, input.now);
  // Limits out of the way: these tests are about delivery under faults, not about the deliverability guard.
  await store.db
    .updateTable('orgs')
    .set({
      settings_json: JSON.stringify({
        timeZone: 'Europe/Warsaw',
        mailLimits: {
          dailyLimit: 100_000,
          hourlyLimit: 10_000,
          perDomainHourlyLimit: 10_000,
          minSpacingSeconds: 0,
        },
      }),
    })
    .where('id', '=', ORG_ID)
    .execute();
  await addSmtpMailbox(store, SELLER, input.smtpPort, input.now);
  return seedSequence(store, input.now, {
    trackOpens: false,
    trackClicks: false,
    subject: 'Token {{ record.first_name }}',
    bodyHtml: '<p>Hello {{ record.first_name }}, this is your token.</p>',
  });
}

export function tokenOf(i: number): string {
  return `tok${String(i).padStart(6, '0')}`;
}

/** Inserts leads `from..to-1` and connects them to the sequence; returns their addresses. */
export async function connectLeads(
  store: Store,
  sequenceId: string,
  range: { from: number; to: number },
  now: number,
): Promise<string[]> {
  const addresses: string[] = [];
  const ids: string[] = [];
  const rows = [];
  for (let i = range.from; i < range.to; i++) {
    const id = newId(now);
    const email = `${tokenOf(i)}@d${i % 10}.customer.test`;
    ids.push(id);
    addresses.push(email);
    rows.push({
      org_id: ORG_ID,
      id,
      type: 'lead' as const,
      name: `Lead ${tokenOf(i)}`,
      first_name: tokenOf(i),
      last_name: 'Lead',
      company: null,
      job_title: null,
      email,
      phone_business: null,
      phone_mobile: null,
      time_zone: null,
      status: 'open' as const,
      stage: null,
      owner_id: SELLER,
      business_unit_id: 'bu-east',
      do_not_email: 0 as const,
      do_not_call: 0 as const,
      custom_json: '{}',
      created_at: now,
      updated_at: now,
    });
  }
  for (let i = 0; i < rows.length; i += 400) {
    await store.db
      .insertInto('records')
      .values(rows.slice(i, i + 400))
      .execute();
  }
  const actor = await loadActor(store.db, ORG_ID, SELLER);
  const sequence = await loadSequenceForConnect(store.db, ORG_ID, sequenceId);
  const policy = await loadOrgPolicy(store.db, ORG_ID);
  if (!actor || !sequence) throw new Error('seed is missing the seller or the sequence');
  for (let i = 0; i < ids.length; i += 1000) {
    await store.db.transaction().execute(async (trx) => {
      const outcomes = await connectRecords(trx, {
        orgId: ORG_ID,
        sequence,
        actor,
        policy,
        recordIds: ids.slice(i, i + 1000),
        now,
        source: 'fault-test',
      });
      const refused = outcomes.filter((o) => o.status !== 'connected');
      if (refused.length > 0) throw new Error(`connect refused: ${JSON.stringify(refused[0])}`);
    });
  }
  return addresses;
}
