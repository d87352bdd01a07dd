import type { Config } from '../config.ts';
import type { Clock } from '../engine/clock.ts';
import { OutboundAddressRefused } from '../net/outbound-address.ts';
import type { Store } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { insertOutboundMessage } from '../store/mail/insert-outbound-message.ts';
import type { MailboxRow } from '../store/repos/mailbox-repo.ts';
import { messageIdFor } from './delivery.ts';
import { oneShotTransportFactory, routeFor, type TransportFactory } from './transport.ts';

export const MAILBOX_TEST_FAILED =
  'The test email could not be sent. Check the server name, port, TLS setting, user name and password.';

/**
 * "Send test email": one message through the mailbox right now (no guard, no tracking), recorded in the outbox
 * so the catch-all shows it too. Returns the server's answer or its error, for the settings page.
 */
export async function sendTestEmail(
  deps: {
    store: Store;
    clock: Clock;
    config: Pick<
      Config,
      'secretKey' | 'publicUrl' | 'smtpUrl' | 'outboundAllowList' | 'mailboxTestTimeoutMs'
    >;
  },
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
  const route = routeFor(
    input.mailbox,
    deps.config.smtpUrl,
    deps.config.secretKey,
    deps.config.outboundAllowList,
  );
  let response: string | null = null;
  let error: string | null = null;
  if (route.kind === 'smtp') {
    const budget = deps.config.mailboxTestTimeoutMs;
    const started = performance.now();
    const transport = (input.transportFactory ?? oneShotTransportFactory(budget))(route.options);
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('mailbox test timed out')), budget);
      });
      const info = await Promise.race([
        transport.sendMail({ from: input.from, to: input.to, subject, text, messageId }),
        deadline,
      ]);
      response = typeof info.response === 'string' ? info.response : 'accepted';
    } catch (caught) {
      // One answer for a closed port, a silent (filtered) one, a wrong greeting and a wrong password, given
      // after the same time: the test must not work as a port scanner. A refused private address says so.
      error = caught instanceof OutboundAddressRefused ? caught.message : MAILBOX_TEST_FAILED;
      const wait = budget - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    } finally {
      clearTimeout(timer);
      transport.close();
    }
  } else {
    response = 'Delivered to the built-in catch-all outbox (no SMTP configured)';
  }
  await insertOutboundMessage(deps.store.db, {
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
    smtp_response: route.kind === 'smtp' && !error ? response : null,
    created_at: now,
    updated_at: now,
  });
  return { ok: error === null, delivery: route.kind, outboundMessageId: id, response, error };
}
