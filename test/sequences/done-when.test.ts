import { describe, expect, it } from 'vitest';
import type { SequenceNode } from '../../src/domain/sequence/definition.ts';
import { dialects } from '../support/databases.ts';
import { createWorld } from '../support/world.ts';

describe.each(dialects)('issue #4 done-when on %s', (dialect) => {
  it('a seller builds from "high-volume outbound prospecting", fixes a trailing wait, activates, edits into version 2', async () => {
    const world = await createWorld(dialect);
    try {
      const gallery = await world.as(
        'eastSeller',
        'GET',
        '/api/sequence-templates?recordType=lead&language=en',
      );
      expect(gallery.statusCode).toBe(200);
      const template = gallery
        .json()
        .items.find((t: { name: string }) => t.name === 'High-volume outbound prospecting');
      expect(template).toBeDefined();

      const created = await world.as('eastSeller', 'POST', '/api/sequences', {
        name: 'Q1 outbound',
        fromTemplate: template.id,
        language: 'en',
      });
      expect(created.statusCode).toBe(201);
      const sequence = created.json();
      expect(sequence).toMatchObject({ status: 'inactive', recordType: 'lead', version: null, problems: [] });
      const id = sequence.id as string;

      // Add a trailing wait after the last email.
      const nodes = sequence.definition.nodes as SequenceNode[];
      const withWait = {
        ...sequence.definition,
        nodes: [
          ...nodes.map((n) => (n.id === 'n11' ? { ...n, next: 'trailing' } : n)),
          { id: 'trailing', kind: 'wait', name: 'Wait a bit', days: 2, hours: 0, next: null },
        ],
      };
      const saved = await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, withWait);
      expect(saved.statusCode).toBe(200);
      expect(saved.json().problems).toEqual([
        expect.objectContaining({ code: 'wait_last', nodeId: 'trailing' }),
      ]);

      const refused = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {});
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({
        code: 'validation_failed',
        problems: [expect.objectContaining({ code: 'wait_last', path: ['node', 'trailing'] })],
      });

      // Fix: a task after the wait.
      const fixed = {
        ...withWait,
        nodes: [
          ...withWait.nodes.map((n: SequenceNode) => (n.id === 'trailing' ? { ...n, next: 'wrap' } : n)),
          { id: 'wrap', kind: 'task', name: 'Mark as nurture', next: null },
        ],
      };
      const fixedSave = await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, fixed);
      expect(fixedSave.json().problems).toEqual([]);

      const activated = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {});
      expect(activated.statusCode).toBe(200);
      expect(activated.json()).toMatchObject({ status: 'active', version: 1 });

      const editing = await world.as('eastSeller', 'POST', `/api/sequences/${id}/edit`);
      expect(editing.json()).toMatchObject({ status: 'revision', version: 1 });
      const revised = {
        ...fixed,
        nodes: fixed.nodes.map((n: SequenceNode) =>
          n.id === 'wrap' ? { ...n, name: 'Hand over to nurture' } : n,
        ),
      };
      expect(
        (await world.as('eastSeller', 'PUT', `/api/sequences/${id}/definition`, revised)).statusCode,
      ).toBe(200);

      const noNote = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {});
      expect(noNote.statusCode).toBe(422);
      expect(noNote.json().code).toBe('change_note_required');

      world.clock.advance(60_000);
      const v2 = await world.as('eastSeller', 'POST', `/api/sequences/${id}/activate`, {
        changeNote: 'Renamed the last task',
      });
      expect(v2.statusCode).toBe(200);
      expect(v2.json()).toMatchObject({
        status: 'active',
        version: 2,
        activeVersion: { changeNote: 'Renamed the last task' },
      });

      const history = await world.as('eastSeller', 'GET', `/api/sequences/${id}/versions`);
      expect(history.json().items).toEqual([
        expect.objectContaining({
          version: 2,
          changeNote: 'Renamed the last task',
          active: true,
          createdByName: 'east.seller',
        }),
        expect.objectContaining({ version: 1, changeNote: null, active: false }),
      ]);
      const docs = await world.as('eastSeller', 'GET', '/api/openapi.json');
      expect(docs.statusCode).toBe(200);
      expect(Object.keys(docs.json().paths)).toEqual(
        expect.arrayContaining([
          '/api/sequences/{id}/activate',
          '/api/tags',
          '/api/email-templates/{id}/preview',
        ]),
      );
      const first = await world.as('eastSeller', 'GET', `/api/sequences/${id}/versions/1`);
      expect(first.json().definition.nodes.find((n: SequenceNode) => n.id === 'wrap').name).toBe(
        'Mark as nurture',
      );
    } finally {
      await world.close();
    }
  });
});
