import { describe, expect, it } from 'vitest';
import { runSequenceExport, runSequenceImport } from '../../src/cli/commands/sequence-command.ts';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS } from '../support/world.ts';

describe.each(dialects)('export, import and the sequence list on %s', (dialect) => {
  it('exports a sequence with templates and tags, imports it with new template ids, refuses broken documents whole', async () => {
    const world = await createWorld(dialect);
    try {
      const created = await world.as('eastSeller', 'POST', '/api/sequences', {
        name: 'Webinar PL',
        fromTemplate: 'builtin:webinar-follow-up',
        language: 'pl',
        description: 'Po webinarze',
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      const tag = (await world.as('eastSeqManager', 'POST', '/api/tags', { name: 'Events' })).json();
      const child = (
        await world.as('eastSeqManager', 'POST', '/api/tags', { name: 'Webinars', parentId: tag.id })
      ).json();
      await world.as('eastSeller', 'PUT', `/api/sequences/${id}/tags/${child.id}`);

      const exported = await world.as('eastSeller', 'GET', `/api/sequences/${id}/export`);
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-disposition']).toContain('Webinar-PL.stepwise.json');
      const document = exported.json();
      expect(document).toMatchObject({
        format: 'stepwise.sequence/1',
        name: 'Webinar PL',
        recordType: 'lead',
        tags: [['Events', 'Webinars']],
      });
      expect(document.emailTemplates.map((t: { id: string }) => t.id)).toEqual([
        'builtin-webinar-call-followup-pl',
        'builtin-webinar-resources-pl',
        'builtin-webinar-thanks-pl',
      ]);
      expect(document.emailTemplates.every((t: { language: string }) => t.language === 'pl')).toBe(true);

      // Import as a West seller (who may not create tags): new templates, tags skipped, same graph.
      const imported = await world.as('westSeller', 'POST', '/api/sequences/import', { document });
      expect(imported.statusCode).toBe(201);
      const copy = imported.json();
      expect(copy).toMatchObject({
        name: 'Webinar PL',
        status: 'inactive',
        ownerId: USERS.westSeller.id,
        problems: [],
        skippedTags: [],
      });
      // The tag path exists in the org, so it is applied even though the importer cannot create tags.
      expect(copy.tags).toEqual([{ id: child.id, name: 'Webinars' }]);
      const templateIds = copy.definition.nodes.flatMap((n: { templateId?: string | null }) =>
        n.templateId ? [n.templateId] : [],
      );
      expect(templateIds).toHaveLength(3);
      for (const templateId of templateIds) expect(templateId).not.toMatch(/^builtin-/);
      expect(copy.definition.nodes.map((n: { id: string }) => n.id)).toEqual(
        document.definition.nodes.map((n: { id: string }) => n.id),
      );

      // Same name in the same unit → 409, nothing half-imported.
      const before = await world.store.db
        .selectFrom('email_templates')
        .select('id')
        .where('org_id', '=', ORG_ID)
        .execute();
      const again = await world.as('westSeller', 'POST', '/api/sequences/import', { document });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('name_taken');
      const broken = {
        ...document,
        name: 'Broken',
        definition: {
          ...document.definition,
          nodes: [...document.definition.nodes, { id: 'tail', kind: 'wait', days: 40, hours: 0, next: null }],
        },
      };
      broken.definition.nodes = broken.definition.nodes.map((n: { id: string; next?: string | null }) =>
        n.id === 'n10' ? { ...n, next: 'tail' } : n,
      );
      const refused = await world.as('westSeller', 'POST', '/api/sequences/import', { document: broken });
      expect(refused.statusCode).toBe(422);
      expect(
        refused
          .json()
          .problems.map((p: { code: string }) => p.code)
          .sort(),
      ).toEqual(['wait_last', 'wait_too_long']);
      const badFormat = await world.as('westSeller', 'POST', '/api/sequences/import', {
        document: { ...document, format: 'other/9', emailTemplates: [] },
      });
      expect(badFormat.statusCode).toBe(422);
      expect(badFormat.json().problems.map((p: { code: string }) => p.code)).toContain('unsupported_format');
      const after = await world.store.db
        .selectFrom('email_templates')
        .select('id')
        .where('org_id', '=', ORG_ID)
        .execute();
      expect(after.length).toBe(before.length);

      // CLI: export then import under another name for the East seller 2.
      const cliDoc = await runSequenceExport(world.store, { id });
      expect(cliDoc).toEqual(document);
      const result = await runSequenceImport(world.store, {
        json: JSON.stringify(cliDoc),
        ownerEmail: USERS.eastSeller2.email,
        name: 'Webinar PL (CLI)',
        now: world.clock.now(),
      });
      expect(result.row).toMatchObject({
        owner_id: USERS.eastSeller2.id,
        status: 'inactive',
        name: 'Webinar PL (CLI)',
      });
      await expect(
        runSequenceImport(world.store, { json: '{', ownerEmail: USERS.eastSeller2.email, now: 0 }),
      ).rejects.toThrow(/not JSON/);
    } finally {
      await world.close();
    }
  });

  it('lists with filters, search, sorting and cursor pages; the gallery offers saved templates', async () => {
    const world = await createWorld(dialect);
    try {
      const names = ['Alpha renewals', 'beta outreach', 'Gamma demo', 'Delta nurture', 'Epsilon events'];
      const ids: string[] = [];
      for (const [i, name] of names.entries()) {
        world.clock.advance(1000);
        const user = i % 2 === 0 ? 'eastSeller' : 'eastSeller2';
        const response = await world.as(user, 'POST', '/api/sequences', {
          name,
          description: i === 3 ? 'Long-term NURTURE for cold leads' : '',
          recordType: i === 2 ? 'opportunity' : 'lead',
        });
        ids.push(response.json().id);
      }
      const page1 = await world.as('eastSeller', 'GET', '/api/sequences?sort=name&limit=2');
      expect(page1.json().items.map((s: { name: string }) => s.name)).toEqual([
        'Alpha renewals',
        'beta outreach',
      ]);
      const page2 = await world.as(
        'eastSeller',
        'GET',
        `/api/sequences?sort=name&limit=2&cursor=${page1.json().nextCursor}`,
      );
      expect(page2.json().items.map((s: { name: string }) => s.name)).toEqual([
        'Delta nurture',
        'Epsilon events',
      ]);
      const page3 = await world.as(
        'eastSeller',
        'GET',
        `/api/sequences?sort=name&limit=2&cursor=${page2.json().nextCursor}`,
      );
      expect(page3.json()).toMatchObject({ items: [{ name: 'Gamma demo' }], nextCursor: null });

      const newest = await world.as('eastSeller', 'GET', '/api/sequences?limit=1');
      expect(newest.json().items[0].name).toBe('Epsilon events');
      const byType = await world.as('eastSeller', 'GET', '/api/sequences?recordType=opportunity');
      expect(byType.json().items.map((s: { name: string }) => s.name)).toEqual(['Gamma demo']);
      const byOwner = await world.as(
        'eastSeller',
        'GET',
        `/api/sequences?ownerId=${USERS.eastSeller2.id}&sort=name`,
      );
      expect(byOwner.json().items.map((s: { name: string }) => s.name)).toEqual([
        'beta outreach',
        'Delta nurture',
      ]);
      const search = await world.as('eastSeller', 'GET', '/api/sequences?q=nurture');
      expect(search.json().items.map((s: { name: string }) => s.name)).toEqual(['Delta nurture']);
      const byStatus = await world.as('eastSeller', 'GET', '/api/sequences?status=active');
      expect(byStatus.json().items).toEqual([]);
      const bad = await world.as('eastSeller', 'GET', '/api/sequences?cursor=garbage');
      expect(bad.statusCode).toBe(400);

      // Save as template → in the gallery for its record type → a new sequence from it.
      await world.as('eastSeller', 'PUT', `/api/sequences/${ids[2]}/definition`, {
        start: 'n1',
        nodes: [{ id: 'n1', kind: 'phone_call', name: 'Book the demo', next: null }],
      });
      expect(
        (await world.as('eastSeller2', 'POST', `/api/sequences/${ids[2]}/save-as-template`, {})).statusCode,
      ).toBe(403);
      expect(
        (await world.as('eastSeller', 'POST', `/api/sequences/${ids[2]}/save-as-template`, {})).json()
          .isTemplate,
      ).toBe(true);
      const gallery = await world.as(
        'eastSeller2',
        'GET',
        '/api/sequence-templates?recordType=opportunity&language=pl',
      );
      expect(gallery.json().items.map((t: { name: string; source: string }) => [t.source, t.name])).toEqual([
        ['builtin', 'Spotkanie w sprawie prezentacji produktu'],
        ['user', 'Gamma demo'],
      ]);
      const fromUser = await world.as('eastSeller2', 'POST', '/api/sequences', {
        name: 'My demo',
        fromTemplate: ids[2],
      });
      expect(fromUser.statusCode).toBe(201);
      expect(fromUser.json()).toMatchObject({ recordType: 'opportunity', definition: { start: 'n1' } });
      // Not a template → 404; another unit's template is invisible.
      expect(
        (await world.as('eastSeller2', 'POST', '/api/sequences', { name: 'X', fromTemplate: ids[0] }))
          .statusCode,
      ).toBe(404);
      expect(
        (await world.as('westSeller', 'POST', '/api/sequences', { name: 'X', fromTemplate: ids[2] }))
          .statusCode,
      ).toBe(404);
      const west = await world.as('westSeller', 'GET', '/api/sequence-templates?recordType=opportunity');
      expect(west.json().items.map((t: { source: string }) => t.source)).toEqual(['builtin']);
    } finally {
      await world.close();
    }
  });
});
