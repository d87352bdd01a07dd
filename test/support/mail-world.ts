import { testConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import type { DialectName, Store } from '../../src/store/db.ts';
import { newId } from '../../src/store/ids.ts';
import { T0 } from '../engine/engine-fixtures.ts';
import { addSmtpMailbox, deliveryFor, type LoopbackSmtp, SELLER, startSmtp } from '../mail/mail-fixtures.ts';
import { createWorld, ORG_ID, type World } from './world.ts';

/**
 * The set-up of the mail tests that run the whole product in process: a world at T0 whose seller has a mailbox
 * on a loopback SMTP server, an engine worker and mail delivery that run only when drained.
 */
export interface MailWorld {
  world: World;
  smtp: LoopbackSmtp;
  engine: EngineWorker;
  mail: MailDelivery;
  close(): Promise<void>;
}

export async function startMailWorld(dialect: DialectName, workerId: string): Promise<MailWorld> {
  const world = await createWorld(dialect);
  world.clock.set(T0);
  const smtp = await startSmtp();
  await addSmtpMailbox(world.store, SELLER, smtp.port, T0);
  const engine = startEngineWorker(
    {
      store: world.store,
      clock: world.clock,
      logger: silentLogger,
      config: testConfig({ databaseUrl: world.store.url }),
      workerId,
    },
    { loop: false },
  );
  const mail = deliveryFor(world.store, world.clock);
  return {
    world,
    smtp,
    engine,
    mail,
    async close() {
      mail.close();
      await engine.stop();
      await smtp.close();
      await world.close();
    },
  };
}

/** An organisation email template for leads; returns its id. */
export async function insertEmailTemplate(
  store: Store,
  input: { subject: string; bodyHtml: string; name?: string; now?: number },
): Promise<string> {
  const now = input.now ?? T0;
  const id = newId(now);
  await store.db
    .insertInto('email_templates')
    .values({
      org_id: ORG_ID,
      id,
      name: input.name ?? `T ${id}`,
      language: 'en',
      subject: input.subject,
      body_html: input.bodyHtml,
      body_text: null,
      record_type: 'lead',
      owner_id: null,
      builtin: 0,
      created_at: T0,
      updated_at: T0,
    })
    .execute();
  return id;
}
