import { describe, expect, it } from 'vitest';
import { parseDsnRecipients } from './dsn.ts';
import { classifyInbound } from './index.ts';
import { bounceReason, isHard } from './reasons.ts';

/** Hand-written messages for the shapes the corpus has few of (the corpus test covers real servers). */

function report(statusPart: string, extra = ''): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: seller@example.com',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <notice-1@mx.example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    "I'm sorry to have to inform you that your message could not be delivered.",
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    statusPart,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Seller <seller@example.com>',
    'To: lead@example.org',
    'Subject: Hello',
    'Message-ID: <out-42@stepwise.example.com>',
    'X-Stepwise-Message: msg_0123456789',
    extra,
    '--b1--',
    '',
  ].join('\r\n');
}

describe('RFC 3464 recipient blocks', () => {
  it('reads every block, folded fields, odd spacing and addresses without angle brackets', () => {
    const blocks = parseDsnRecipients(
      [
        'final-recipient:rfc822;first@example.org',
        'ACTION :  failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <first@example.org>:',
        '    Recipient address rejected: User unknown in local recipient table',
        '',
        'Original-Recipient: rfc822; <second@example.org>',
        'Final-Recipient: RFC822; <Second@Example.org>',
        'Action: delayed',
        'Status: 4.4.7',
      ].join('\n'),
    );
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatchObject({ address: 'first@example.org', action: 'failed', status: '5.1.1' });
    expect(blocks[0]?.diagnostic).toContain('User unknown in local recipient table');
    expect(blocks[1]).toMatchObject({ address: 'second@example.org', action: 'delayed', status: '4.4.7' });
  });

  it('treats Action: failed as a final failure whatever the status class', async () => {
    const result = await classifyInbound(
      report(
        'Final-Recipient: rfc822; lead@example.org\r\nAction: failed\r\nStatus: 4.4.1\r\nDiagnostic-Code: smtp; connect to mx.example.org: Connection timed out',
      ),
    );
    expect(result.class).toBe('bounce');
    expect(result.recipients[0]).toMatchObject({
      address: 'lead@example.org',
      action: 'failed',
      reason: 'expired',
      hard: false,
    });
  });

  it('reports a delay as a delay and a success as delivered', async () => {
    const delayed = await classifyInbound(
      report('Final-Recipient: rfc822; lead@example.org\r\nAction: delayed\r\nStatus: 4.2.2'),
    );
    expect(delayed.class).toBe('delay');
    const delivered = await classifyInbound(
      report('Final-Recipient: rfc822; lead@example.org\r\nAction: relayed\r\nStatus: 2.0.0'),
    );
    expect(delivered.class).toBe('delivered');
  });

  it('finds the original Message-ID and our X-Stepwise-Message header in the returned headers', async () => {
    const result = await classifyInbound(
      report('Final-Recipient: rfc822; lead@example.org\r\nAction: failed\r\nStatus: 5.1.1'),
    );
    expect(result.original.messageIds).toContain('<out-42@stepwise.example.com>');
    expect(result.original.messageIds).not.toContain('<notice-1@mx.example.net>');
    expect(result.original.stepwiseIds).toEqual(['msg_0123456789']);
    expect(result.recipients[0]).toMatchObject({
      address: 'lead@example.org',
      reason: 'userunknown',
      hard: true,
    });
  });
});

describe('reasons and hard bounces', () => {
  it('derives the reason from the words first, then from the status code', () => {
    expect(bounceReason(['552 5.2.2 Mailbox full'], '5.2.2')).toBe('mailboxfull');
    expect(
      bounceReason(
        ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org'],
        '5.7.1',
      ),
    ).toBe('blocked');
    expect(bounceReason(['550 Requested action not taken'], '5.1.1')).toBe('userunknown');
    expect(
      bounceReason(
        ['550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)'],
        null,
      ),
    ).toBe('authfailure');
    expect(
      bounceReason(['Host or domain name not found. Name service error for name=nx.example type=A'], '5.4.4'),
    ).toBe('hostunknown');
  });

  it('blames a filter, not the address, when the rejection came after DATA', () => {
    expect(bounceReason(['>>> DATA\n<<< 550 Unknown user lead@example.org'], '5.0.0')).toBe('filtered');
  });

  it('takes "user unknown" for the mailbox only at RCPT or with a x.1.x code, else for a filter', () => {
    // No SMTP phase and no telling code: the message, not the address, was refused (the address may exist).
    expect(bounceReason(['550 : User unknown'], '5.0.0')).toBe('filtered');
    expect(bounceReason(['550 5.7.1 550 User Unknown: lead@example.org'], '5.7.1')).toBe('filtered');
    // At RCPT (the Postfix phrasing folds across lines) or with 5.1.1 it is the mailbox.
    expect(
      bounceReason(['550 <lead@example.org>: User unknown (in reply to\n    RCPT TO command)'], '5.0.0'),
    ).toBe('userunknown');
    expect(bounceReason(['550 5.1.1 <lead@example.org>... User Unknown'], '5.1.1')).toBe('userunknown');
    // A server's own notice saying the mailbox does not exist.
    expect(bounceReason(['The recipient name is not recognized'], null)).toBe('userunknown');
    // Whitespace folding inside the words does not hide them.
    expect(
      bounceReason(['Name service error for domain example.org: Host not\n    found, try again'], null),
    ).toBe('networkerror');
  });

  it('reads per-recipient fields written before Final-Recipient, and a refusal by recipient preferences', async () => {
    const result = await classifyInbound(
      report(
        [
          'Diagnostic-Code: smtp; 550 5.1.1 RCP-P2 Refused due to recipient preferences',
          'Status: 5.1.1',
          'Final-Recipient: rfc822; lead@example.org',
          'Action: failed',
        ].join('\r\n'),
      ),
    );
    expect(result.recipients[0]).toMatchObject({
      address: 'lead@example.org',
      status: '5.1.1',
      reason: 'filtered',
      hard: false,
    });
  });

  it("lets the notice's headline name the mailbox's state when the report has no diagnostic", async () => {
    const raw = report(
      ['Final-Recipient: rfc822; lead@example.org', 'Action: failed', 'Status: 5.0.0'].join('\r\n'),
    ).replace(
      "I'm sorry to have to inform you that your message could not be delivered.",
      "The user's account is disabled.\r\n<lead@example.org>: 550 user unknown (in reply to RCPT TO command)",
    );
    const result = await classifyInbound(raw);
    expect(result.recipients[0]).toMatchObject({
      address: 'lead@example.org',
      reason: 'suspend',
      hard: false,
    });
  });

  it("reads Microsoft's consumer 'mailbox unavailable' as an unknown mailbox", async () => {
    const raw = report(
      [
        'Final-Recipient: rfc822; lead@hotmail.com',
        'Action: failed',
        'Status: 5.5.0',
        'Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable (-0000000022:2222)',
      ].join('\r\n'),
    ).replace('MAILER-DAEMON@mx.example.net', 'postmaster@hotmail.com');
    const result = await classifyInbound(raw);
    expect(result.recipients[0]).toMatchObject({ reason: 'userunknown', hard: true });
  });

  it('names soft causes in the taxonomy, and leaves words it does not know "on hold"', () => {
    expect(bounceReason(['552 Too many recipients'], '5.0.0')).toBe('toomanyconn');
    expect(bounceReason(['554 Service currently unavailable'], '5.0.0')).toBe('systemerror');
    expect(bounceReason(['421 4.2.1 Service refuse. Veuillez essayer plus tard.'], '4.2.1')).toBe('blocked');
    expect(bounceReason(['550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large'], '5.2.3')).toBe(
      'exceedlimit',
    );
    expect(bounceReason(['550 5.7.1 RESOLVER.RST.AuthRequired; authentication required'], '5.7.1')).toBe(
      'securityerror',
    );
    expect(
      bounceReason(['552-5.7.0 This message was blocked because its content presents a potential'], '5.7.0'),
    ).toBe('policyviolation');
    expect(bounceReason(['550 Nyaan'], '5.0.0')).toBe('onhold');
    expect(bounceReason([null], '5.0.0')).toBe('undefined');
  });

  it('blames our sender when MAIL FROM was rejected', () => {
    expect(
      bounceReason(
        ['SMTP error from remote mail server after MAIL FROM:<seller@example.com>: 550 No such domain'],
        '5.1.8',
      ),
    ).toBe('rejected');
  });

  it('is hard only for a permanently bad address', () => {
    expect(isHard('userunknown', '5.1.1')).toBe(true);
    expect(isHard('hostunknown', '5.1.2')).toBe(true);
    expect(isHard('notaccept', '4.0.0')).toBe(false);
    expect(isHard('mailboxfull', '5.2.2')).toBe(false);
    expect(isHard('blocked', '5.7.1')).toBe(false);
  });
});

function plain(headers: string[], body: string): string {
  return [...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join(
    '\r\n',
  );
}

describe('replies, automatic replies and challenges', () => {
  it("keeps a person's reply a reply, even when it talks about delivery problems", async () => {
    const result = await classifyInbound(
      plain(
        [
          'From: Lead <lead@example.org>',
          'To: seller@example.com',
          'Subject: Re: Hello',
          'In-Reply-To: <out-42@stepwise.example.com>',
        ],
        'Thanks! My earlier message could not be delivered to your colleague, can you forward it?',
      ),
    );
    expect(result.class).toBe('reply');
  });

  it.each([
    ['Automatische Antwort: Hello', 'Ich bin bis Montag nicht im Büro.'],
    ['Réponse automatique : Hello', "Je suis absent jusqu'au 3 mars."],
    ['自動応答: Hello', '只今不在にしております。'],
    ['Fuera de la oficina', 'Estoy de vacaciones.'],
    ['Автоответ: Hello', 'Я в отпуске.'],
  ])('recognises the out-of-office "%s"', async (subject, body) => {
    const result = await classifyInbound(
      plain(['From: lead@example.org', 'To: seller@example.com', `Subject: ${subject}`], body),
    );
    expect(result.class).toBe('auto_reply');
  });

  it.each(['Re: absence policy for the pilot', 'Re: Abwesenheiten im Team planen', 'Re: automation pricing'])(
    'keeps a person\'s reply titled "%s" a reply',
    async (subject) => {
      const result = await classifyInbound(
        plain(
          ['From: lead@example.org', 'To: seller@example.com', `Subject: ${subject}`],
          'Sounds good, call me.',
        ),
      );
      expect(result.class).toBe('reply');
    },
  );

  it('recognises RFC 3834 Auto-Submitted without a telling subject', async () => {
    const result = await classifyInbound(
      plain(
        [
          'From: lead@example.org',
          'To: seller@example.com',
          'Subject: Re: Hello',
          'Auto-Submitted: auto-replied',
        ],
        'I am travelling.',
      ),
    );
    expect(result.class).toBe('auto_reply');
  });

  it('recognises a challenge-response request', async () => {
    const result = await classifyInbound(
      plain(
        ['From: lead@example.org', 'To: seller@example.com', 'Subject: Please verify your email'],
        'I use a challenge-response system. Click the link below to verify that you are a human and your message will be delivered.',
      ),
    );
    expect(result.class).toBe('challenge');
  });

  it('takes a message from a mail system that it cannot read for "other", never for a reply', async () => {
    const result = await classifyInbound(
      plain(
        ['From: MAILER-DAEMON@mx.example.net', 'To: seller@example.com', 'Subject: Hello'],
        'Something happened.',
      ),
    );
    expect(result.class).toBe('other');
  });

  it('reads a bare-CR message like its LF twin', async () => {
    const lf = plain(
      ['From: MAILER-DAEMON@mx.example.net', 'To: seller@example.com', 'Subject: failure notice'],
      "Hi. This is the qmail-send program.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n<lead@example.org>:\r\nRemote host said: 550 5.1.1 User unknown",
    );
    const cr = await classifyInbound(lf.replace(/\r\n/g, '\r'));
    expect(cr.class).toBe('bounce');
    expect(cr.recipients[0]).toMatchObject({
      address: 'lead@example.org',
      reason: 'userunknown',
      hard: true,
    });
  });
});
