import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { testConfig } from '../../src/config.ts';
import type { SequenceDefinition } from '../../src/domain/sequence/definition.ts';
import { silentLogger } from '../../src/engine/engine-deps.ts';
import { startEngineWorker } from '../../src/engine/worker.ts';
import type { WorldUserKey } from '../support/world.ts';
import { createSequence, type E2E, startE2E } from './designer-helpers.ts';

/** Shared setup of the seller-walk browser tests (issue 15): a served world with an engine worker. */
export const TASK_FLOW: SequenceDefinition = {
  start: 'task',
  nodes: [{ id: 'task', kind: 'task', name: 'Prepare the offer', next: null }],
  options: {
    exitOnReply: true,
    skipNonWorkingDays: false,
    sendWindow: null,
    trackOpens: true,
    trackClicks: true,
  },
};

/** Fails the test on any native `alert()`/`confirm()`/`prompt()`: the app uses its own dialogs and toasts. */
export function refuseNativeDialogs(page: Page): void {
  page.on('dialog', (dialog) => {
    void dialog.dismiss();
    throw new Error(`native dialog shown: ${dialog.message()}`);
  });
}

export interface Walk {
  e2e: E2E;
  createLead(owner: WorldUserKey, name: string, extra?: Record<string, unknown>): Promise<string>;
  activeSequence(owner: WorldUserKey, name: string, definition?: SequenceDefinition): Promise<string>;
  connect(owner: WorldUserKey, recordId: string, sequenceId: string): Promise<void>;
  /** Waits until the engine has put the record's first step in its owner's work list; returns the step id. */
  firstStep(owner: WorldUserKey, recordId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWalk(workerId: string): Promise<Walk> {
  const e2e = await startE2E();
  const worker = startEngineWorker({
    store: e2e.world.store,
    clock: e2e.world.clock,
    logger: silentLogger,
    config: testConfig({ databaseUrl: e2e.world.store.url }),
    workerId,
  });
  return {
    e2e,
    async createLead(owner, name, extra = {}) {
      const email = `${name.toLowerCase().replaceAll(' ', '.')}@example.com`;
      const created = await e2e.world.as(owner, 'POST', '/api/records', {
        type: 'lead',
        name,
        email,
        ...extra,
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json().id;
    },
    async activeSequence(owner, name, definition = TASK_FLOW) {
      const id = await createSequence(e2e, owner, name, definition);
      const activated = await e2e.world.as(owner, 'POST', `/api/sequences/${id}/activate`, {});
      expect(activated.statusCode, activated.body).toBe(200);
      return id;
    },
    async connect(owner, recordId, sequenceId) {
      const connected = await e2e.world.as(owner, 'POST', `/api/records/${recordId}/connection`, {
        sequenceId,
      });
      expect(connected.statusCode, connected.body).toBe(201);
    },
    async firstStep(owner, recordId) {
      let stepId = '';
      await expect
        .poll(
          async () => {
            const list = (await e2e.world.as(owner, 'GET', '/api/worklist?limit=200')).json();
            stepId =
              list.items.find((item: { record: { id: string } }) => item.record.id === recordId)?.step.id ??
              '';
            return stepId;
          },
          { timeout: 20_000 },
        )
        .not.toBe('');
      return stepId;
    },
    async close() {
      await worker.stop();
      await e2e.close();
    },
  };
}
