import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNew, definition } from '../engine/engine-fixtures.ts';
import { ORG_ID } from '../support/world.ts';
import { type E2E, signIn, startE2E } from './designer-helpers.ts';

/**
 * Settings → Engine tasks in a real browser against the real server: an admin sees a task the engine gave up on
 * (its record, sequence, event, attempts and error) and requeues it. The UI must be built first
 * (`npm run build:web`).
 */
describe('dead engine tasks in the browser', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it('an admin sees a dead task and requeues it', async () => {
    const def = definition({ start: 'c1', nodes: [{ id: 'c1', kind: 'phone_call', next: null }] });
    const { connectionId } = await connectNew(
      e2e.world.store,
      def,
      { name: 'Grace Hopper', email: 'grace@example.com' },
      e2e.world.clock.now(),
    );
    await e2e.world.store.db
      .updateTable('scheduled_tasks')
      .set({ status: 'dead', attempts: 5, last_error: 'claimed 5 times without finishing' })
      .where('org_id', '=', ORG_ID)
      .where('connection_id', '=', connectionId)
      .execute();
    const { context, page } = await signIn(e2e, 'eastAdmin');
    try {
      await page.goto(`${e2e.baseUrl}/settings/engine-tasks`);
      const row = page.getByRole('row', { name: /Grace Hopper/ });
      await row.getByText('claimed 5 times without finishing').waitFor();
      await row.getByText('connected', { exact: true }).waitFor();
      await row.getByRole('button', { name: 'Requeue the task of Grace Hopper' }).click();
      await page.getByText('No tasks were given up on.').waitFor();
      const task = await e2e.world.store.db
        .selectFrom('scheduled_tasks')
        .select(['status', 'attempts'])
        .where('connection_id', '=', connectionId)
        .executeTakeFirstOrThrow();
      expect(task).toEqual({ status: 'pending', attempts: 0 });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('a seller has no Engine tasks section', async () => {
    const { context, page } = await signIn(e2e, 'eastSeller');
    try {
      await page.goto(`${e2e.baseUrl}/settings/profile`);
      await page.getByRole('link', { name: 'Profile' }).waitFor();
      expect(await page.getByRole('link', { name: 'Engine tasks' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
