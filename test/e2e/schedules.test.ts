import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ID } from '../support/world.ts';
import { createSequence, type E2E, openDesigner, signIn, startE2E } from './designer-helpers.ts';

/**
 * Settings → Schedules in a real browser: an admin creates a schedule with two intervals on Monday, Polish public
 * holidays and an organisation date, makes it the default and sees the closed dates of the next 12 months; a
 * sequence manager picks it in the sequence options; a seller returns to the organisation's working hours.
 */
describe('schedules in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
    e2e.world.clock.set(Date.UTC(2026, 10, 30, 9));
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('an admin creates a schedule with hours, holidays and the default flag; the next 12 months are listed', async () => {
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      await page.goto(`${e2e.baseUrl}/settings/schedules`);
      await page.getByRole('button', { name: 'New schedule' }).click();
      await page.getByTestId('schedule-name').fill('Warsaw office');
      await page.getByLabel('Organisation default').check();
      // Monday: 09:00–12:00 and 13:00–17:00 (the lunch break is closed).
      const monday = page.getByTestId('schedule-day-1');
      await monday.getByLabel('To').fill('12:00');
      await monday.getByRole('button', { name: 'Add hours' }).click();
      await monday.getByLabel('From').nth(1).fill('13:00');
      await page.getByTestId('schedule-country').selectOption('PL');
      await page.getByTestId('schedule-dates').fill('2026-12-24');
      await page.getByRole('button', { name: 'Save schedule' }).click();
      const row = page.getByTestId('schedule-row').filter({ hasText: 'Warsaw office' });
      await row.waitFor();
      await expect(row.textContent()).resolves.toContain('Default');
      await expect(row.textContent()).resolves.toContain('Mon 09:00–12:00, 13:00–17:00');

      const stored = await e2e.world.as('eastAdmin', 'GET', '/api/schedules');
      expect(stored.json().items[0]).toMatchObject({
        name: 'Warsaw office',
        isDefault: true,
        zoneMode: { kind: 'recipient' },
        holidays: { dates: ['2026-12-24'], country: 'PL', region: null },
      });
      expect(stored.json().items[0].intervals).toContainEqual({ day: 1, from: '13:00', to: '17:00' });

      await row.getByRole('button', { name: 'Edit' }).click();
      const holidays = page.getByTestId('schedule-holidays');
      await holidays.getByText('2026-12-25').waitFor();
      await expect(holidays.textContent()).resolves.toContain('2026-12-24');
      await expect(holidays.textContent()).resolves.toContain('2027-05-03');
    } finally {
      await context.close();
    }
  });

  it('a sequence manager picks the schedule in the sequence options and overrides it on an automated email', async () => {
    const scheduleId = (await e2e.world.as('eastAdmin', 'GET', '/api/schedules')).json().items[0]
      .id as string;
    const sequenceId = await createSequence(e2e, 'eastSeqManager', 'Scheduled outreach', {
      start: 'a1',
      nodes: [{ id: 'a1', kind: 'automated_email', name: 'Intro', templateId: null, next: null }],
      options: {
        exitOnReply: true,
        skipNonWorkingDays: false,
        sendWindow: null,
        trackOpens: true,
        trackClicks: true,
      },
    });
    const evenings = await e2e.world.as('eastAdmin', 'POST', '/api/schedules', {
      name: 'Evenings',
      zoneMode: { kind: 'seller' },
      intervals: [{ day: 2, from: '18:00', to: '21:00' }],
    });
    expect(evenings.statusCode).toBe(201);
    const { context, page } = await signIn(e2e, 'eastSeqManager');
    try {
      await openDesigner(e2e, page, sequenceId);
      const select = page.getByTestId('option-schedule');
      await select.locator('option', { hasText: 'Warsaw office' }).waitFor({ state: 'attached' });
      await select.selectOption(scheduleId);
      await page.getByTestId('node-a1').click();
      const step = page.getByTestId('step-schedule');
      await step.locator('option', { hasText: 'Evenings' }).waitFor({ state: 'attached' });
      await step.selectOption(evenings.json().id);
      await page.getByTestId('save').click();
      await expect
        .poll(async () => {
          const row = await e2e.world.store.db
            .selectFrom('sequences')
            .select('draft_json')
            .where('org_id', '=', ORG_ID)
            .where('id', '=', sequenceId)
            .executeTakeFirstOrThrow();
          const draft = JSON.parse(row.draft_json);
          return [draft.options.scheduleId, draft.nodes[0].scheduleId];
        })
        .toEqual([scheduleId, evenings.json().id]);
    } finally {
      await context.close();
    }
  });

  it('a seller with own hours goes back to the organisation’s working hours', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings/profile`);
      const source = page.getByTestId('hours-source');
      await expect(source.textContent()).resolves.toContain('You use your own working hours.');
      await source.getByRole('button', { name: "Use the organisation's hours" }).click();
      await source.getByText("You follow the organisation's working hours.").waitFor();
      const profile = await e2e.world.as('eastSeller', 'GET', '/api/me/profile');
      expect(profile.json().workingHoursSource).toBe('organisation');
    } finally {
      await context.close();
    }
  });
});
