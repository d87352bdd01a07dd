import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.ts';
import { createWorld, ORG_ID, USERS, type World } from '../support/world.ts';

async function newSequence(world: World, name: string, user: 'eastSeller' | 'westSeller' = 'eastSeller') {
  const response = await world.as(user, 'POST', '/api/sequences', { name });
  expect(response.statusCode).toBe(201);
  return response.json().id as string;
}

describe.each(dialects)('tags API on %s', (dialect) => {
  it('builds a 4-level tree, refuses bad names and sellers, filters sequences by tag with descendants, lifts children on delete', async () => {
    const world = await createWorld(dialect);
    try {
      const create = (
        name: string,
        parentId: string | null = null,
        user: 'eastSeqManager' | 'eastSeller' = 'eastSeqManager',
      ) => world.as(user, 'POST', '/api/tags', { name, parentId });
      const region = (await create('Region')).json();
      const emea = (await create('EMEA', region.id)).json();
      const poland = (await create('Poland', emea.id)).json();
      const warsaw = (await create('Warsaw', poland.id)).json();
      expect(warsaw.parentId).toBe(poland.id);

      const tooDeep = await create('Mokotów', warsaw.id);
      expect(tooDeep.statusCode).toBe(422);
      expect(tooDeep.json().code).toBe('tag_too_deep');
      expect((await create('A/B', null)).json().code).toBe('tag_name_invalid');
      expect((await create('region', null)).statusCode).toBe(409);
      const seller = await create('Mine', null, 'eastSeller');
      expect(seller.statusCode).toBe(403);
      expect(seller.json().problems[0].code).toBe('missing_permission:tag.manage');

      // Moving Region under EMEA would be a loop; moving Poland to the top is fine.
      expect(
        (await world.as('eastSeqManager', 'PATCH', `/api/tags/${region.id}`, { parentId: emea.id })).json()
          .code,
      ).toBe('tag_cycle');

      const s1 = await newSequence(world, 'Tagged Warsaw');
      const s2 = await newSequence(world, 'Tagged EMEA');
      await newSequence(world, 'Untagged');
      // Sellers may apply tags to sequences they can see.
      expect((await world.as('eastSeller', 'PUT', `/api/sequences/${s1}/tags/${warsaw.id}`)).statusCode).toBe(
        204,
      );
      expect((await world.as('eastSeller', 'PUT', `/api/sequences/${s2}/tags/${emea.id}`)).statusCode).toBe(
        204,
      );
      // A sequence of another business unit is invisible.
      expect((await world.as('westSeller', 'PUT', `/api/sequences/${s1}/tags/${emea.id}`)).statusCode).toBe(
        404,
      );

      const byRegion = await world.as('eastSeller', 'GET', `/api/sequences?tagId=${region.id}&sort=name`);
      expect(byRegion.json().items.map((s: { name: string }) => s.name)).toEqual([
        'Tagged EMEA',
        'Tagged Warsaw',
      ]);
      const byPoland = await world.as('eastSeller', 'GET', `/api/sequences?tagId=${poland.id}`);
      expect(byPoland.json().items.map((s: { name: string }) => s.name)).toEqual(['Tagged Warsaw']);
      expect(byPoland.json().items[0].tags).toEqual([{ id: warsaw.id, name: 'Warsaw' }]);

      // Delete EMEA: Poland moves under Region, s2 loses the tag.
      expect((await world.as('eastSeqManager', 'DELETE', `/api/tags/${emea.id}`)).statusCode).toBe(204);
      const tree = (await world.as('eastSeller', 'GET', '/api/tags')).json().items;
      expect(tree).toEqual([
        expect.objectContaining({
          name: 'Region',
          children: [
            expect.objectContaining({
              name: 'Poland',
              children: [expect.objectContaining({ name: 'Warsaw', sequenceCount: 1, children: [] })],
            }),
          ],
        }),
      ]);
      const s2Detail = await world.as('eastSeller', 'GET', `/api/sequences/${s2}`);
      expect(s2Detail.json().tags).toEqual([]);

      const renamed = await world.as('eastSeqManager', 'PATCH', `/api/tags/${poland.id}`, { name: 'Polska' });
      expect(renamed.json()).toMatchObject({ name: 'Polska', parentId: region.id });
      expect(
        (await world.as('eastSeller', 'DELETE', `/api/sequences/${s1}/tags/${warsaw.id}`)).statusCode,
      ).toBe(204);
      const audit = await world.store.db
        .selectFrom('audit_log')
        .select('action')
        .where('org_id', '=', ORG_ID)
        .where('action', 'like', 'tag.%')
        .execute();
      expect(audit.length).toBeGreaterThanOrEqual(6);
    } finally {
      await world.close();
    }
  });
});

describe.each(dialects)('email templates API on %s', (dialect) => {
  it('lists built-ins by language and record type, CRUDs own templates, previews against a record', async () => {
    const world = await createWorld(dialect);
    try {
      const pl = await world.as(
        'eastSeller',
        'GET',
        '/api/email-templates?language=pl&recordType=lead&limit=500',
      );
      expect(pl.statusCode).toBe(200);
      const plItems = pl.json().items as {
        language: string;
        recordType: string | null;
        builtin: boolean;
        name: string;
      }[];
      expect(plItems.length).toBeGreaterThanOrEqual(6);
      expect(
        plItems.every((t) => t.language === 'pl' && (t.recordType === 'lead' || t.recordType === null)),
      ).toBe(true);
      expect(plItems.map((t) => t.name)).toContain('Pozyskiwanie: pierwszy kontakt');

      const builtinEdit = await world.as('eastAdmin', 'PUT', '/api/email-templates/builtin-hvop-intro-en', {
        name: 'Mine',
      });
      expect(builtinEdit.statusCode).toBe(403);

      const created = await world.as('eastSeller', 'POST', '/api/email-templates', {
        name: 'Check-in',
        language: 'en',
        subject: 'Hello {{ record.first_name | default: "there" }}',
        bodyHtml:
          '<p>Dear {{ record.first_name }}, about {{ record.company | default: "your team" }}.</p><p>{{ owner.name }}</p>',
        recordType: 'lead',
      });
      expect(created.statusCode).toBe(201);
      const template = created.json();
      expect(template).toMatchObject({
        language: 'en',
        builtin: false,
        ownerId: USERS.eastSeller.id,
        bodyText: null,
      });

      const other = await world.as('eastSeller2', 'PUT', `/api/email-templates/${template.id}`, {
        name: 'Taken over',
      });
      expect(other.statusCode).toBe(403);
      const updated = await world.as('eastSeller', 'PUT', `/api/email-templates/${template.id}`, {
        name: 'Check-in v2',
        language: 'pl',
      });
      expect(updated.json()).toMatchObject({ name: 'Check-in v2', language: 'pl' });

      const now = world.clock.now();
      await world.store.db
        .insertInto('records')
        .values({
          org_id: ORG_ID,
          id: 'rec-1',
          type: 'lead',
          name: 'Jan Kowalski',
          first_name: null,
          last_name: 'Kowalski',
          company: 'Kowalski i Syn',
          job_title: null,
          email: 'jan@example.com',
          phone_business: null,
          phone_mobile: null,
          time_zone: null,
          status: 'open',
          stage: null,
          owner_id: USERS.eastSeller.id,
          business_unit_id: USERS.eastSeller.businessUnitId,
          do_not_email: 0,
          do_not_call: 0,
          custom_json: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute();
      const preview = await world.as('eastSeller', 'POST', `/api/email-templates/${template.id}/preview`, {
        recordId: 'rec-1',
      });
      expect(preview.statusCode).toBe(200);
      expect(preview.json()).toMatchObject({
        subject: 'Hello there',
        missing: ['record.first_name'],
        errors: [],
      });
      expect(preview.json().html).toContain('Kowalski i Syn');
      expect(preview.json().html).toContain('east.seller');
      // A record the previewer cannot see is a 404.
      expect(
        (
          await world.as('westSeller', 'POST', `/api/email-templates/${template.id}/preview`, {
            recordId: 'rec-1',
          })
        ).statusCode,
      ).toBe(404);

      // In use by a sequence → cannot delete.
      const seq = await world.as('eastSeller', 'POST', '/api/sequences', { name: 'Uses template' });
      await world.as('eastSeller', 'PUT', `/api/sequences/${seq.json().id}/definition`, {
        start: 'n1',
        nodes: [{ id: 'n1', kind: 'automated_email', templateId: template.id, next: null }],
      });
      const inUse = await world.as('eastSeller', 'DELETE', `/api/email-templates/${template.id}`);
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json().code).toBe('template_in_use');
      await world.as('eastSeller', 'DELETE', `/api/sequences/${seq.json().id}`);
      expect((await world.as('eastSeller', 'DELETE', `/api/email-templates/${template.id}`)).statusCode).toBe(
        204,
      );
    } finally {
      await world.close();
    }
  });
});
