import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/engine/clock.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, USERS, type World } from '../support/world.ts';
import { CALLS_ONLY, def, engineOf, insertRecord, insertSequence, stepsOfRecord } from './helpers.ts';

/** call → wait 3 hours → email → task (sessions last 12 hours, so the scenario stays within a day). */
const OUTREACH = def({
  start: 'call',
  nodes: [
    {
      id: 'call',
      kind: 'phone_call',
      name: 'Intro call',
      description: 'Ask about their plans',
      next: 'wait',
    },
    { id: 'wait', kind: 'wait', name: 'Wait a bit', days: 0, hours: 3, next: 'mail' },
    { id: 'mail', kind: 'email', name: 'Follow-up email', next: 'task' },
    { id: 'task', kind: 'task', name: 'Prepare proposal', next: null },
  ],
});

type Item = {
  step: { id: string; kind: string; name: string; dueAt: number };
  record: { id: string; name: string };
};

async function openStep(world: World, recordId: string) {
  const steps = await stepsOfRecord(world, recordId);
  const open = steps.filter((s) => ['due', 'waiting', 'upcoming'].includes(s.status));
  expect(open).toHaveLength(1);
  return open[0]!;
}

const names = (body: { items: Item[] }) => body.items.map((i) => `${i.record.name}:${i.step.kind}`);

describe.each(dialects)('step actions, work list and Up next on %s', (dialect) => {
  it('a seller works through the scenario and the work list shows exactly the due steps, in order', async () => {
    const world = await createWorld(dialect);
    const engine = engineOf(world);
    const T0 = world.clock.now();
    try {
      const s1 = await insertSequence(world, OUTREACH, { name: 'Outreach' });
      const s2 = await insertSequence(world, CALLS_ONLY, { name: 'Calls' });
      await insertSequence(world, CALLS_ONLY, { name: 'Dormant', status: 'inactive' });
      const r1 = await insertRecord(world, { name: 'Delta', phone_business: '+48 1', phone_mobile: '+48 2' });
      const r2 = await insertRecord(world, { name: 'Charlie' });
      const r3 = await insertRecord(world, { name: 'Bravo' });
      const r4 = await insertRecord(world, {
        name: 'Alpha',
        email: null,
        do_not_call: 1,
        phone_mobile: '+48 9',
      });
      const idle = await insertRecord(world, { name: 'Echo' });
      const c1 = await world.as('eastSeller', 'POST', `/api/sequences/${s1.sequenceId}/connections`, {
        recordIds: [r1, r2, r3],
      });
      expect(c1.json().connected).toBe(3);
      expect(
        (await world.as('eastSeller', 'POST', `/api/records/${r4}/connection`, { sequenceId: s2.sequenceId }))
          .statusCode,
      ).toBe(201);
      await engine.drain();

      world.clock.advance(HOUR);
      // A phone call needs its outcome.
      const r1Call = await openStep(world, r1);
      const noOutcome = await world.as('eastSeller', 'POST', `/api/steps/${r1Call.id}/complete`, {
        note: 'Talked',
      });
      expect(noOutcome.statusCode).toBe(422);
      expect(noOutcome.json().code).toBe('outcome_required');
      const badOutcome = await world.as('eastSeller', 'POST', `/api/steps/${r1Call.id}/complete`, {
        outcome: 'maybe',
      });
      expect(badOutcome.statusCode).toBe(400);
      expect(badOutcome.json().problems[0].path).toEqual(['body', 'outcome']);
      const done = await world.as('eastSeller', 'POST', `/api/steps/${r1Call.id}/complete`, {
        outcome: 'connected',
        note: 'Interested in a demo',
      });
      expect(done.statusCode).toBe(200);
      expect(done.json().step).toMatchObject({
        status: 'completed',
        outcome: 'connected',
        note: 'Interested in a demo',
      });
      // Completing twice is refused: the step is no longer open.
      expect(
        (await world.as('eastSeller', 'POST', `/api/steps/${r1Call.id}/complete`, { outcome: 'busy' }))
          .statusCode,
      ).toBe(422);

      const r1Wait = await openStep(world, r1);
      expect([r1Wait.kind, r1Wait.status]).toEqual(['wait', 'waiting']);
      const callSkipWait = await world.as(
        'eastSeller',
        'POST',
        `/api/steps/${(await openStep(world, r2)).id}/skip-wait`,
        {},
      );
      expect(callSkipWait.statusCode).toBe(422);
      expect(callSkipWait.json().code).toBe('not_allowed_for_kind');
      expect((await world.as('eastSeller', 'POST', `/api/steps/${r1Wait.id}/skip-wait`, {})).statusCode).toBe(
        200,
      );
      const r1Mail = await openStep(world, r1);
      expect([r1Mail.kind, r1Mail.status]).toEqual(['email', 'due']);
      const tomorrowNoon = T0 + DAY + 3 * HOUR;
      const snoozed = await world.as('eastSeller', 'POST', `/api/steps/${r1Mail.id}/snooze`, {
        until: new Date(tomorrowNoon).toISOString(),
      });
      expect(snoozed.json().step.dueAt).toBe(tomorrowNoon);
      const past = await world.as('eastSeller', 'POST', `/api/steps/${r1Mail.id}/snooze`, { until: T0 });
      expect(past.statusCode).toBe(422);
      expect(past.json().code).toBe('snooze_in_past');

      expect(
        (await world.as('eastSeller', 'POST', `/api/steps/${(await openStep(world, r2)).id}/skip`, {})).json()
          .step.status,
      ).toBe('skipped');

      // Assigning to another seller of the unit moves the step to their list; a West seller cannot take it.
      const r3Call = await openStep(world, r3);
      const west = await world.as('eastSeller', 'POST', `/api/steps/${r3Call.id}/assign`, {
        userId: USERS.westSeller.id,
      });
      expect(west.statusCode).toBe(403);
      const assigned = await world.as('eastSeller', 'POST', `/api/steps/${r3Call.id}/assign`, {
        userId: USERS.eastSeller2.id,
      });
      expect(assigned.json().step.ownerId).toBe(USERS.eastSeller2.id);

      // Another seller's record is invisible.
      const r4Call = await openStep(world, r4);
      expect(
        (await world.as('westSeller', 'POST', `/api/steps/${r4Call.id}/complete`, { outcome: 'busy' }))
          .statusCode,
      ).toBe(404);
      expect((await world.as('eastSeller2', 'POST', `/api/steps/${r4Call.id}/skip`, {})).statusCode).toBe(
        404,
      );

      // Work list now (T0 + 1h, Warsaw): Alpha's call is overdue, Delta's email is due tomorrow.
      const list = (await world.as('eastSeller', 'GET', '/api/worklist')).json();
      expect(names(list)).toEqual(['Alpha:phone_call', 'Delta:email']);
      const alpha = list.items[0];
      expect(alpha.record).toMatchObject({ doNotCall: true, phones: [{ kind: 'mobile', number: '+48 9' }] });
      expect(alpha.step.overdue).toBe(true);
      expect(list.items[1].record.phones.map((p: { kind: string }) => p.kind)).toEqual([
        'business',
        'mobile',
      ]);
      expect(list.items[1].sequence.name).toBe('Outreach');
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?due=overdue')).json())).toEqual([
        'Alpha:phone_call',
      ]);
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?due=today')).json())).toEqual([]);
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?due=later')).json())).toEqual([
        'Delta:email',
      ]);
      expect(names((await world.as('eastSeller2', 'GET', '/api/worklist')).json())).toEqual([
        'Bravo:phone_call',
      ]);

      // Four hours later Charlie's wait has ended and the email step is due.
      world.clock.advance(4 * HOUR);
      await engine.drain();
      const later = (await world.as('eastSeller', 'GET', '/api/worklist')).json();
      expect(names(later)).toEqual(['Alpha:phone_call', 'Charlie:email', 'Delta:email']);
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?kind=email')).json())).toEqual([
        'Charlie:email',
        'Delta:email',
      ]);
      expect(
        names((await world.as('eastSeller', 'GET', `/api/worklist?sequenceId=${s2.sequenceId}`)).json()),
      ).toEqual(['Alpha:phone_call']);
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?sort=record_name')).json())).toEqual([
        'Alpha:phone_call',
        'Charlie:email',
        'Delta:email',
      ]);
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?sort=sequence')).json())).toEqual([
        'Alpha:phone_call',
        'Charlie:email',
        'Delta:email',
      ]);
      // Cursor pagination walks the same order.
      const page1 = (await world.as('eastSeller', 'GET', '/api/worklist?limit=2')).json();
      expect(names(page1)).toEqual(['Alpha:phone_call', 'Charlie:email']);
      const page2 = (
        await world.as('eastSeller', 'GET', `/api/worklist?limit=2&cursor=${page1.nextCursor}`)
      ).json();
      expect(names(page2)).toEqual(['Delta:email']);
      expect(page2.nextCursor).toBeNull();
      // Unread and followed.
      expect(
        (await world.as('eastSeller', 'POST', `/api/steps/${r4Call.id}/read`, {})).json().step.readAt,
      ).not.toBeNull();
      expect(names((await world.as('eastSeller', 'GET', '/api/worklist?unread=true')).json())).toEqual([
        'Charlie:email',
        'Delta:email',
      ]);
      expect((await world.as('eastSeller', 'GET', `/api/records/${r1}`)).json().followed).toBe(false);
      expect((await world.as('eastSeller', 'POST', `/api/records/${r1}/follow`)).json().following).toBe(true);
      // The record page's Follow button reads the record: it now says the viewer follows it, and only them.
      expect((await world.as('eastSeller', 'GET', `/api/records/${r1}`)).json().followed).toBe(true);
      expect((await world.as('eastSalesManager', 'GET', `/api/records/${r1}`)).json().followed).toBe(false);
      const followedOnly = (await world.as('eastSeller', 'GET', '/api/worklist?followed=true')).json();
      expect(names(followedOnly)).toEqual(['Delta:email']);
      // Each item says whether the viewer follows its record (the UI shows a badge and filters on it).
      expect(followedOnly.items.map((item: { followed: boolean }) => item.followed)).toEqual([true]);
      const everything = (await world.as('eastSeller', 'GET', '/api/worklist')).json();
      expect(everything.items.filter((item: { followed: boolean }) => item.followed)).toHaveLength(1);
      // Managers see a seller of their unit; other units and other sellers may not.
      const managed = (
        await world.as('eastSalesManager', 'GET', `/api/worklist?ownerId=${USERS.eastSeller.id}`)
      ).json();
      expect(names(managed)).toEqual(names(later));
      expect(
        (await world.as('westSeqManager', 'GET', `/api/worklist?ownerId=${USERS.eastSeller.id}`)).statusCode,
      ).toBe(404);
      expect(
        (await world.as('eastSeller2', 'GET', `/api/worklist?ownerId=${USERS.eastSeller.id}`)).statusCode,
      ).toBe(403);
      expect((await world.as('eastSeller', 'GET', '/api/worklist?due=soon&kind=wait')).statusCode).toBe(400);

      // Delta: email done, the task is last. A task snoozes like any manual step (SPEC §5: every step).
      const r1Email = await openStep(world, r1);
      await world.as('eastSeller', 'POST', `/api/steps/${r1Email.id}/complete`, {});
      const r1Task = await openStep(world, r1);
      const taskUntil = world.clock.now() + DAY;
      const snoozeTask = await world.as('eastSeller', 'POST', `/api/steps/${r1Task.id}/snooze`, {
        until: taskUntil,
      });
      expect(snoozeTask.statusCode).toBe(200);
      expect(snoozeTask.json().step).toMatchObject({ kind: 'task', status: 'due', dueAt: taskUntil });
      expect(Number((await openStep(world, r1)).due_at)).toBe(taskUntil);

      // Up next shows the current step and its actions, what is done and the progress.
      const upNext = (await world.as('eastSeller', 'GET', `/api/records/${r1}/up-next`)).json();
      expect(upNext.connection).toMatchObject({
        status: 'active',
        sequence: { name: 'Outreach' },
        version: 1,
      });
      expect(upNext.current).toMatchObject({ kind: 'task', name: 'Prepare proposal' });
      expect(upNext.current.actions).toEqual(['complete', 'skip', 'snooze', 'assign', 'read']);
      expect(upNext.upcoming).toEqual([]);
      expect(upNext.completed.map((s: { kind: string }) => s.kind)).toEqual(['phone_call', 'wait', 'email']);
      expect(upNext.completed[0]).toMatchObject({ outcome: 'connected', note: 'Interested in a demo' });
      expect(upNext.completed[0].by.id).toBe(USERS.eastSeller.id);
      expect(upNext.progress).toMatchObject({ done: 3, total: 4 });
      const charlie = (await world.as('eastSeller', 'GET', `/api/records/${r2}/up-next`)).json();
      expect(charlie.current.kind).toBe('email');
      expect(charlie.upcoming.map((s: { nodeId: string }) => s.nodeId)).toEqual(['task']);
      const none = (await world.as('eastSeller', 'GET', `/api/records/${idle}/up-next`)).json();
      expect(none.connection).toBeNull();
      expect(none.availableSequences.map((s: { name: string }) => s.name).sort()).toEqual([
        'Calls',
        'Outreach',
      ]);
      expect((await world.as('westSeller', 'GET', `/api/records/${r1}/up-next`)).statusCode).toBe(404);

      await world.as('eastSeller', 'POST', `/api/steps/${r1Task.id}/complete`, {});
      await engine.drain();
      const finished = (
        await world.as('eastSeller', 'GET', `/api/sequences/${s1.sequenceId}/connections?status=completed`)
      ).json();
      expect(finished.items.map((c: { record: { name: string } }) => c.record.name)).toEqual(['Delta']);
      expect(finished.items[0].progress).toEqual({ done: 4, total: 4 });
      const running = (
        await world.as('eastSeller', 'GET', `/api/sequences/${s1.sequenceId}/connections?status=active`)
      ).json();
      expect(running.items.map((c: { record: { name: string } }) => c.record.name).sort()).toEqual([
        'Bravo',
        'Charlie',
      ]);
      const charlieRow = running.items.find((c: { record: { name: string } }) => c.record.name === 'Charlie');
      expect(charlieRow).toMatchObject({
        currentStep: { kind: 'email' },
        version: 1,
        progress: { done: 2, total: 4 },
      });

      // The timeline tells the story, newest first, with who did what.
      const timeline = (await world.as('eastSeller', 'GET', `/api/records/${r1}/timeline`)).json();
      const kinds = timeline.items.map((e: { kind: string }) => e.kind);
      expect(kinds).toEqual(
        expect.arrayContaining(['connected', 'step_completed', 'wait_skipped', 'step_snoozed']),
      );
      const completed = timeline.items.find((e: { kind: string }) => e.kind === 'step_completed');
      expect(completed.actor.id).toBe(USERS.eastSeller.id);
      expect((await world.as('westSeller', 'GET', `/api/records/${r1}/timeline`)).statusCode).toBe(404);
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
