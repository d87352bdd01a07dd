import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { MailboxRow } from '../store/repos/mailbox-repo.ts';
import { messageIdFor } from './delivery.ts';
import { classifySmtpError, routeFor, smtpTransportFactory, type TransportFactory } from './transport.ts';

/**
 * "Send test email": one message through the mailbox right now (no guard, no tracking), recorded in the outbox
 * so the catch-all shows it too. Returns the server's answer or its error, for the settings page.
 */
export async function sendTestEmail(
  deps: { store: Store; clock: Clock; config: Pick<Config, 'secretKey' | 'publicUrl' | 'smtpUrl'> },
  input: {
    mailbox: MailboxRow | undefined;
    orgId: string;
    senderUserId: string;
    from: { name: string; address: string };
    to: string;
    transportFactory?: TransportFactory;
  },
): Promise<{
  ok: boolean;
  delivery: 'smtp' | 'catch_all';
  outboundMessageId: string;
  response: string | null;
  error: string | null;
}> {
  const now = deps.clock.now();
  const id = newId(now);
  const messageId = messageIdFor({ id, message_id: '' }, deps.config.publicUrl);
  const subject = 'Stepwise test email';
  const text = `This is a test email from Stepwise, sent through ${input.mailbox ? `mailbox ${input.mailbox.id}` : 'the default route'}.`;
  const route = routeFor(input.mailbox, deps.config.smtpUrl, deps.config.secretKey);
  let response: string | null = null;
  let error: string | null = null;
  if (route.kind === 'smtp') {
    const transport = (input.transportFactory ?? smtpTransportFactory)(route.options);
    try {
      const info = await transport.sendMail({ from: input.from, to: input.to, subject, text, messageId });
      response = typeof info.response === 'string' ? info.response : 'accepted';
    } catch (caught) {
      error = classifySmtpError(caught).reason;
    } finally {
      transport.close();
    }
  } else {
    response = 'Delivered to the built-in catch-all outbox (no SMTP configured)';
  }
  await deps.store.db
    .insertInto('outbound_messages')
    .values({
      org_id: input.orgId,
      id,
      connection_id: null,
      step_instance_id: null,
      record_id: null,
      sender_user_id: input.senderUserId,
      to_address: input.to,
      subject,
      body_html: `<p>${text}</p>`,
      body_text: text,
      message_id: messageId,
      idempotency_key: `test:${id}`,
      status: error ? 'failed' : 'sent',
      hold_reason: null,
      template_id: null,
      variant: null,
      tracking: 0,
      not_before: now,
      attempts: 1,
      last_error: error,
      lease_owner: null,
      lease_until: null,
      sent_at: error ? null : now,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { ok: error === null, delivery: route.kind, outboundMessageId: id, response, error };
}
