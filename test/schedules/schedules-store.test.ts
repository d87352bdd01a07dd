import { type Kysely, Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import * as initial from '../../src/store/migrations/0001_initial.ts';
import * as engine from '../../src/store/migrations/0004_engine.ts';
import * as mail from '../../src/store/migrations/0007_mail.ts';
import {
  insertSchedule,
  listSchedules,
  loadScheduleInputs,
  type ScheduleRow,
  sequencesUsingSchedule,
  updateSchedule,
} from '../../src/store/repos/schedules-repo.ts';
import { createPostgresDatabase, dialects, freshStore } from '../support/databases.ts';

const row = (id: string, name: string, isDefault: 0 | 1, orgId = 'o1'): ScheduleRow => ({
  org_id: orgId,
  id,
  name,
  is_default: isDefault,
  zone_mode: 'recipient',
  zone: null,
  intervals_json: '[]',
  holidays_json: '{"dates":[],"country":null,"region":null}',
  created_at: 1,
  updated_at: 1,
});

describe.each(dialects)('schedules storage on %s', (dialect) => {
  let store: Store;
  beforeEach(async () => {
    store = await freshStore(dialect);
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one default per organisation and unique names', async () => {
    await insertSchedule(store.db, row('s1', 'Office', 1));
    await insertSchedule(store.db, row('s2', 'Evenings', 1));
    await insertSchedule(store.db, row('s3', 'Office', 1, 'o2'));
    expect((await listSchedules(store.db, 'o1')).map((s) => [s.id, s.is_default])).toEqual([
      ['s2', 1],
      ['s1', 0],
    ]);
    await updateSchedule(store.db, 'o1', 's1', { ...row('s1', 'Office', 1) }, 2);
    expect((await listSchedules(store.db, 'o1')).map((s) => [s.id, s.is_default])).toEqual([
      ['s1', 1],
      ['s2', 0],
    ]);
    await expect(insertSchedule(store.db, row('s4', 'Office', 0))).rejects.toThrow(/unique|UNIQUE/);
    // The partial unique index itself refuses a second default written behind the repository's back.
    await expect(
      store.db
        .insertInto('schedules')
        .values(row('s5', 'Other', 1))
        .execute(),
    ).rejects.toThrow(/unique|UNIQUE/);
  });

  it('loads a delivery batch’s schedules, defaults and zones in set-based statements', async () => {
    await insertSchedule(store.db, row('s1', 'Office', 1));
    await insertSchedule(store.db, row('s2', 'Evenings', 0));
    await insertSchedule(store.db, row('s3', 'Unused', 0));
    const inputs = await loadScheduleInputs(
      store.db,
      [
        { org_id: 'o1', schedule_id: 's2', record_id: null, sender_user_id: 'u1' },
        { org_id: 'o1', schedule_id: 'org-default', record_id: null, sender_user_id: 'u1' },
        { org_id: 'o1', schedule_id: null, record_id: null, sender_user_id: 'u2' },
      ],
      'org-default',
    );
    expect(inputs.schedules.map((s) => s.id).sort()).toEqual(['s1', 's2']);
    expect(
      await loadScheduleInputs(
        store.db,
        [{ org_id: 'o1', schedule_id: null, record_id: null, sender_user_id: 'u1' }],
        'org-default',
      ),
    ).toEqual({ schedules: [], records: [], users: [], orgs: [] });
  });

  it('finds the sequences that use a schedule (working copy or any version)', async () => {
    const seq = (id: string, name: string, draft: string) => ({
      org_id: 'o1',
      id,
      name,
      description: '',
      record_type: 'lead' as const,
      owner_id: 'u1',
      business_unit_id: 'b1',
      status: 'active' as const,
      draft_json: draft,
      active_version_id: null,
      is_template: 0 as const,
      created_at: 1,
      updated_at: 1,
    });
    await store.db
      .insertInto('sequences')
      .values([
        seq('q1', 'Draft user', '{"options":{"scheduleId":"s1"}}'),
        seq('q2', 'Version user', '{}'),
        seq('q3', 'Other', '{"options":{"scheduleId":"s10"}}'),
      ])
      .execute();
    await store.db
      .insertInto('sequence_versions')
      .values({
        org_id: 'o1',
        id: 'v1',
        sequence_id: 'q2',
        version: 1,
        definition_json: '{"nodes":[{"scheduleId":"s1"}]}',
        change_note: null,
        created_by: 'u1',
        created_at: 1,
      })
      .execute();
    expect(await sequencesUsingSchedule(store.db, 'o1', 's1')).toEqual(['Draft user', 'Version user']);
    expect(await sequencesUsingSchedule(store.db, 'o2', 's1')).toEqual([]);
  });

  it('migration 0013 turns existing send windows into schedules on the org’s working days', async () => {
    const url = dialect === 'postgres' ? await createPostgresDatabase() : 'sqlite::memory:';
    const old = openStore(url);
    try {
      const migrator = new Migrator({
        db: old.db as unknown as Kysely<unknown>,
        provider: {
          getMigrations: async () => ({ '0001_initial': initial, '0004_engine': engine, '0007_mail': mail }),
        },
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      await old.db
        .insertInto('orgs')
        .values({
          id: 'o1',
          name: 'Org',
          settings_json: JSON.stringify({
            workingHours: { days: [1, 2, 3, 4], from: '08:00', to: '16:00', daysOff: [] },
            holidays: ['2026-12-24'],
          }),
          created_at: 1,
        })
        .execute();
      const def = (window: unknown) =>
        JSON.stringify({ start: null, nodes: [], options: { exitOnReply: true, sendWindow: window } });
      const base = {
        org_id: 'o1',
        description: '',
        record_type: 'lead' as const,
        owner_id: 'u1',
        business_unit_id: 'b1',
        status: 'active' as const,
        active_version_id: null,
        is_template: 0 as const,
        created_at: 1,
        updated_at: 1,
      };
      await old.db
        .insertInto('sequences')
        .values([
          { ...base, id: 'q1', name: 'Day', draft_json: def({ from: '09:00', to: '17:00' }) },
          { ...base, id: 'q2', name: 'Night', draft_json: def({ from: '22:00', to: '06:00' }) },
          { ...base, id: 'q3', name: 'Any time', draft_json: def(null) },
        ])
        .execute();
      await old.db
        .insertInto('sequence_versions')
        .values({
          org_id: 'o1',
          id: 'v1',
          sequence_id: 'q1',
          version: 1,
          definition_json: def({ from: '09:00', to: '17:00' }),
          change_note: null,
          created_by: 'u1',
          created_at: 1,
        })
        .execute();
      await migrateToLatest(old.db);

      const schedules = await listSchedules(old.db, 'o1');
      expect(schedules.map((s) => s.name)).toEqual(['Send window 09:00–17:00', 'Send window 22:00–06:00']);
      const day = schedules[0] as ScheduleRow;
      expect(JSON.parse(day.intervals_json)).toEqual(
        [1, 2, 3, 4].map((d) => ({ day: d, from: '09:00', to: '17:00' })),
      );
      expect(JSON.parse(day.holidays_json)).toEqual({ dates: ['2026-12-24'], country: null, region: null });
      expect(JSON.parse((schedules[1] as ScheduleRow).intervals_json)[1]).toEqual({
        day: 1,
        from: '22:00',
        to: '24:00',
      });
      const drafts = await old.db
        .selectFrom('sequences')
        .select(['id', 'draft_json'])
        .orderBy('id')
        .execute();
      const options = drafts.map((d) => JSON.parse(d.draft_json).options);
      expect(options[0]).toMatchObject({ sendWindow: null, scheduleId: day.id });
      expect(options[2]).toEqual({ exitOnReply: true, sendWindow: null });
      const version = await old.db
        .selectFrom('sequence_versions')
        .select('definition_json')
        .executeTakeFirstOrThrow();
      expect(JSON.parse(version.definition_json).options.scheduleId).toBe(day.id);
    } finally {
      await old.close();
    }
  });
});
