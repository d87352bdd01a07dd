import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { MINUTE } from '../../src/engine/clock.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { raiseOverdueNotices } from '../../src/engine/overdue-notices.ts';
import { type EngineWorker, startEngineWorker } from '../../src/engine/worker.ts';
import type { MailDelivery } from '../../src/mail/delivery.ts';
import { newId } from '../../src/store/ids.ts';
import { connectRecord, insertSequence, recordRow, stepsOf } from '../engine/engine-fixtures.ts';
import {
  addSmtpMailbox,
  deliveryFor,
  inboundSecretFor,
  type LoopbackSmtp,
  SELLER,
  startSmtp,
} from '../mail/mail-fixtures.ts';
import { deliveryReport } from '../support/delivery-report.ts';
import { ORG_ID, USERS } from '../support/world.ts';
import { type E2E, screenshot, signIn, startE2E } from './designer-helpers.ts';

/**
 * A seller's email work in Chromium, in English and Polish: a held email is fixed in the composer from the work
 * list and sent once with the edited text; bounces, assigned and overdue steps reach the open page's bell without
 * a reload; the email digest choice is saved in Settings → Profile.
 */
const OPTIONS: SequenceDefinition['options'] = {
  exitOnReply: true,
  skipNonWorkingDays: false,
  sendWindow: null,
  trackOpens: false,
  trackClicks: false,
};

describe('notifications and held emails in the browser', () => {
  let e2e: E2E;
  let smtp: LoopbackSmtp;
  let engine: EngineWorker;
  let mail: MailDelivery;
  const records = new Map<string, string>();
  const connections = new Map<string, string>();

  beforeAll(async () => {
    e2e = await startE2E();
    const { world } = e2e;
    const now = world.clock.now();
    smtp = await startSmtp();
    await addSmtpMailbox(world.store, SELLER, smtp.port, now);
    const templateId = newId(now);
    await world.store.db
      .insertInto('email_templates')
      .values({
        org_id: ORG_ID,
        id: templateId,
        name: 'Intro',
        language: 'en',
        subject: 'Quick question, {{ record.first_name }}',
        body_html: '<p>Hi {{ record.first_name }},</p><p>Tools for your team.</p>',
        body_text: null,
        record_type: 'lead',
        owner_id: null,
        builtin: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const automated = await insertSequence(
      world.store,
      {
        start: 'a1',
        nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId, next: null }],
        options: OPTIONS,
      },
      { now },
    );
    const calls = await insertSequence(
      world.store,
      { start: 'c1', nodes: [{ id: 'c1', kind: 'phone_call', name: 'Call', next: null }], options: OPTIONS },
      { now },
    );
    const people = [
      { name: 'Jan Kowalski', first_name: null, email: 'jan@wisla.test', sequenceId: automated.sequenceId },
      { name: 'Anna Nowak', first_name: null, email: 'anna@wisla.test', sequenceId: automated.sequenceId },
      {
        name: 'Ada Lovelace',
        first_name: 'Ada',
        email: 'ada@customer.test',
        sequenceId: automated.sequenceId,
      },
      { name: 'Ewa Zielińska', first_name: 'Ewa', email: 'ewa@zielona.test', sequenceId: calls.sequenceId },
      { name: 'Olaf Berg', first_name: 'Olaf', email: 'olaf@fjord.test', sequenceId: calls.sequenceId },
    ];
    for (const person of people) {
      const row = recordRow(
        { name: person.name, first_name: person.first_name, last_name: null, email: person.email },
        now,
      );
      await world.store.db.insertInto('records').values(row).execute();
      records.set(person.name, row.id);
      connections.set(
        person.name,
        await connectRecord(world.store.db, { recordId: row.id, sequenceId: person.sequenceId, now }),
      );
    }
    await startWorkers();
    await engine.drain();
    await mail.drain();
  }, 60_000);

  async function startWorkers() {
    engine = startEngineWorker(
      {
        store: e2e.world.store,
        clock: e2e.world.clock,
        logger: silentLogger,
        config: testConfig({ databaseUrl: e2e.world.store.url }),
        workerId: 'notification-e2e',
      },
      { loop: false },
    );
    mail = deliveryFor(e2e.world.store, e2e.world.clock);
  }

  afterAll(async () => {
    mail?.close();
    await engine?.stop();
    await smtp?.close();
    await e2e?.close();
  });

  async function fixHeldEmail(page: Page, to: string, first: string, labels: { edit: string; send: string }) {
    await page.goto(e2e.baseUrl);
    const held = page.getByTestId('held-email').filter({ hasText: to });
    await held.waitFor();
    await held.getByRole('button', { name: labels.edit }).click();
    const dialog = page.getByRole('dialog');
    // The composer edits the template source: the placeholder without a value is named above the preview.
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('record.first_name');
    await dialog.locator('input').first().fill(`Quick question, ${first}`);
    const editor = dialog.locator('[contenteditable="true"]');
    await editor.getByText('Hi {{ record.first_name }},').click({ clickCount: 3 });
    await page.keyboard.type(`Hi ${first},`);
    const frame = dialog.frameLocator('[data-testid="email-preview-body"]').locator('body');
    await expect
      .poll(async () => (await frame.textContent().catch(() => '')) ?? '', { timeout: 10_000 })
      .toContain(`Hi ${first},`);
    await dialog.getByRole('alert').waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: labels.send, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await held.waitFor({ state: 'detached' });
  }

  async function sentTo(address: string) {
    for (let i = 0; i < 3; i++) {
      await mail.drain();
      await engine.drain();
      e2e.world.clock.advance(MINUTE);
    }
    const parsed = await Promise.all(smtp.received.map((m) => simpleParser(m.raw)));
    return parsed.filter((m) => !Array.isArray(m.to) && m.to?.value[0]?.address === address);
  }

  it('English: a held email is fixed in the composer from the work list and sent once', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await fixHeldEmail(page, 'jan@wisla.test', 'Jan', { edit: 'Edit and send', send: 'Send' });
    } finally {
      await context.close();
    }
    const sent = await sentTo('jan@wisla.test');
    expect(sent.map((m) => m.subject)).toEqual(['Quick question, Jan']);
    expect(sent[0]?.text).toContain('Hi Jan,');
    expect(sent[0]?.text).not.toContain('{{');
  }, 90_000);

  it('Polish: a held email is fixed in the composer from the work list and sent once', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await fixHeldEmail(page, 'anna@wisla.test', 'Anna', { edit: 'Edytuj i wyślij', send: 'Wyślij' });
    } finally {
      await context.close();
    }
    const sent = await sentTo('anna@wisla.test');
    expect(sent.map((m) => m.subject)).toEqual(['Quick question, Anna']);
    expect(sent[0]?.text).toContain('Hi Anna,');
  }, 90_000);

  async function openBell(page: Page) {
    const stream = page.waitForResponse((response) => response.url().includes('/api/notifications/stream'));
    await page.goto(e2e.baseUrl);
    await stream;
    await page.getByTestId('notification-bell').waitFor();
  }

  async function liveItem(page: Page, text: string) {
    await page.getByTestId('notification-count').waitFor({ timeout: 8_000 });
    if ((await page.getByTestId('notification-list').count()) === 0)
      await page.getByTestId('notification-bell').click();
    const item = page.getByTestId('notification').filter({ hasText: text });
    await item.first().waitFor({ timeout: 8_000 });
    return (await item.first().textContent()) ?? '';
  }

  it('English: a bounce and a step a colleague assigns arrive live, without a reload', async () => {
    await e2e.world.as('eastSeller', 'POST', '/api/notifications/read');
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await openBell(page);
      expect(await page.getByTestId('notification-count').count()).toBe(0);
      const toAda = (await Promise.all(smtp.received.map((m) => simpleParser(m.raw)))).find(
        (m) => m.subject === 'Quick question, Ada',
      );
      const posted = await e2e.world.app.inject({
        method: 'POST',
        url: `/api/inbound/mime?secret=${encodeURIComponent(await inboundSecretFor(e2e.world))}`,
        headers: { 'content-type': 'message/rfc822' },
        payload: dsn(String(toAda?.messageId), String(toAda?.subject)),
      });
      expect(posted.json()).toMatchObject({ kind: 'bounce' });
      expect(await liveItem(page, 'Ada Lovelace')).toContain('Bounce');

      // A colleague hands Olaf's call to this seller (first it is given to the colleague, then back).
      const olafCall = (await stepsOf(e2e.world.store, connections.get('Olaf Berg')!))[0]!;
      const away = await e2e.world.as('eastSeller', 'POST', `/api/steps/${olafCall.id}/assign`, {
        userId: USERS.eastSeller2.id,
      });
      expect(away.statusCode).toBe(200);
      const back = await e2e.world.as('eastSeller2', 'POST', `/api/steps/${olafCall.id}/assign`, {
        userId: USERS.eastSeller.id,
      });
      expect(back.statusCode).toBe(200);
      expect(await liveItem(page, 'Olaf Berg')).toContain('Assigned to you');
      await screenshot(page, 'notifications-kinds-en');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('Polish: an overdue step raised by the worker check arrives live, labelled in Polish', async () => {
    await e2e.world.as('eastSeller', 'POST', '/api/notifications/read');
    const { context, page } = await signIn(e2e, 'eastSeller', { locale: 'pl' });
    try {
      await openBell(page);
      e2e.world.clock.advance(20 * MINUTE);
      expect(await raiseOverdueNotices(e2e.world.store.db, e2e.world.clock.now())).toBeGreaterThan(0);
      const text = await liveItem(page, 'Ewa Zielińska');
      expect(text).toContain('Zaległy krok');
    } finally {
      await context.close();
    }
  }, 90_000);

  for (const [locale, labels] of [
    [
      'en',
      { kind: 'Overdue step', frequency: 'How often', daily: 'daily', save: 'Save email notifications' },
    ],
    [
      'pl',
      {
        kind: 'Zaległy krok',
        frequency: 'Jak często',
        daily: 'daily',
        save: 'Zapisz powiadomienia e-mailem',
      },
    ],
  ] as const) {
    it(`${locale}: the email digest choice is saved in Settings → Profile`, async () => {
      await e2e.world.as('eastSeller2', 'PUT', '/api/notification-settings', {
        kinds: ['reply'],
        frequency: 'off',
        dailyHour: 8,
      });
      const { context, page } = await signIn(e2e, 'eastSeller2', { locale });
      try {
        await page.goto(`${e2e.baseUrl}/settings/profile`);
        const form = page.getByTestId('digest-settings');
        await form.waitFor();
        await form.getByLabel(labels.kind).check();
        await form.getByLabel(labels.frequency).selectOption(labels.daily);
        await form.locator('select[name="digest-hour"]').selectOption('7');
        await form.getByRole('button', { name: labels.save }).click();
        await form.getByTestId('digest-saved').waitFor();
        if (locale === 'en') await screenshot(page, 'notification-digest-settings-en');
      } finally {
        await context.close();
      }
      const saved = (await e2e.world.as('eastSeller2', 'GET', '/api/notification-settings')).json();
      expect(saved).toEqual({ kinds: ['reply', 'step_overdue'], frequency: 'daily', dailyHour: 7 });
    }, 60_000);
  }
});

function dsn(messageId: string, subject: string): string {
  return deliveryReport({ reportId: 'e2e-bounce', messageId, subject });
}
