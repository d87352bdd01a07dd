/**
 * A multipart/report delivery status notification (RFC 3464) as a receiving server's MAILER-DAEMON sends it back
 * about one of our emails to ada@customer.test: `5.1.1`/`failed` is a hard bounce, `4.x.x`/`delayed` a delay.
 */
export function deliveryReport(input: {
  /** The report's own Message-ID local part. */
  reportId: string;
  /** Message-ID and subject of the email it reports on, as sent. */
  messageId: string;
  subject: string;
  status?: string;
  action?: 'failed' | 'delayed';
}): string {
  const status = input.status ?? '5.1.1';
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
    'To: sam@seller.test',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${input.reportId}@mx.customer.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    '',
    'Final-Recipient: rfc822; ada@customer.test',
    `Action: ${input.action ?? 'failed'}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${status.startsWith('5') ? '550 5.1.1 User unknown' : '451 4.2.0 Mailbox busy'}`,
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${input.messageId}`,
    `Subject: ${input.subject}`,
    '--B--',
    '',
  ].join('\r\n');
}
