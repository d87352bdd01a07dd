import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseOrgSettings } from '../../domain/org-settings.ts';
import { decideOrg } from '../../domain/permissions/permissions.ts';
import { holidaysBetween, isKnownCountry } from '../../domain/schedule/holidays.ts';
import {
  type Schedule,
  ScheduleInputSchema,
  ScheduleOutSchema,
  scheduleColumns,
  scheduleFromRow,
} from '../../domain/schedule/schedule-record.ts';
import { newId } from '../../store/ids.ts';
import { findOrg } from '../../store/repos/admin-repo.ts';
import {
  deleteSchedule,
  findSchedule,
  insertSchedule,
  listSchedules,
  sequencesUsingSchedule,
  updateSchedule,
} from '../../store/repos/schedules-repo.ts';
import { isUniqueViolation } from '../../store/repos/tags-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem, notFoundProblem, ProblemSchema } from '../problems.ts';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const HolidaySchema = z
  .object({ date: z.string(), name: z.string(), source: z.enum(['organisation', 'public']) })
  .meta({ id: 'Holiday' });

const nameTaken = () =>
  new HttpProblem(409, 'schedule_name_taken', 'A schedule with this name already exists');

function checkCountry(input: z.infer<typeof ScheduleInputSchema>): void {
  const { country, region } = input.holidays;
  if (country && !isKnownCountry(country, region)) {
    throw new HttpProblem(
      422,
      'unknown_holiday_country',
      `No public holiday data for ${country}${region ? `/${region}` : ''}`,
      [
        {
          path: ['body', 'holidays', region ? 'region' : 'country'],
          code: 'unknown_holiday_country',
          message: 'Unknown country or region',
        },
      ],
    );
  }
}

export async function scheduleRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const db = deps.store.db;

  async function requireAdmin(request: Parameters<typeof requireActor>[0]) {
    const actor = requireActor(request);
    enforce(decideOrg(actor, await loadPolicy(deps, request, actor.orgId), 'manage_org'), 'Schedule');
    return actor;
  }

  app.get(
    '/api/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary: 'The organisation’s schedules (the default first); any signed-in user may read them',
        response: { 200: z.object({ items: z.array(ScheduleOutSchema) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return { items: (await listSchedules(db, actor.orgId)).map(scheduleFromRow) };
    },
  );

  app.get(
    '/api/schedules/:id',
    {
      schema: {
        tags: ['schedules'],
        summary: 'One schedule',
        params: IdParams,
        response: { 200: ScheduleOutSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const row = await findSchedule(db, actor.orgId, request.params.id);
      if (!row) throw notFoundProblem('Schedule');
      return scheduleFromRow(row);
    },
  );

  app.get(
    '/api/schedules/:id/holidays',
    {
      schema: {
        tags: ['schedules'],
        summary:
          'The schedule’s closed dates in the next `months` months (organisation dates and public holidays)',
        params: IdParams,
        querystring: z.object({ months: z.coerce.number().int().min(1).max(36).default(12) }),
        response: {
          200: z.object({ from: z.string(), to: z.string(), items: z.array(HolidaySchema) }),
          404: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const row = await findSchedule(db, actor.orgId, request.params.id);
      if (!row) throw notFoundProblem('Schedule');
      const schedule: Schedule = scheduleFromRow(row);
      const org = await findOrg(db, actor.orgId);
      const zone =
        schedule.zoneMode.kind === 'fixed'
          ? schedule.zoneMode.zone
          : parseOrgSettings(org?.settings_json).timeZone;
      const today = DateTime.fromMillis(deps.clock.now(), { zone });
      const from = today.toISODate() as string;
      const to = today.plus({ months: request.query.months }).toISODate() as string;
      return { from, to, items: holidaysBetween(schedule.holidays, from, to) };
    },
  );

  app.get(
    '/api/holiday-countries',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Countries (and their regions) with public holiday data, for a schedule’s holiday preset',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                code: z.string(),
                name: z.string(),
                regions: z.array(z.object({ code: z.string(), name: z.string() })),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      requireActor(request);
      const hd = new Holidays();
      const countries = hd.getCountries('en');
      return {
        items: Object.entries(countries)
          .map(([code, name]) => ({
            code,
            name,
            regions: Object.entries(hd.getStates(code, 'en') ?? {}).map(([r, n]) => ({ code: r, name: n })),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
  );

  app.post(
    '/api/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Create a schedule (admins); `isDefault: true` makes it the organisation’s default',
        body: ScheduleInputSchema,
        response: { 201: ScheduleOutSchema, 403: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireAdmin(request);
      checkCountry(request.body);
      const now = deps.clock.now();
      const row = {
        org_id: actor.orgId,
        id: newId(now),
        ...scheduleColumns(request.body),
        created_at: now,
        updated_at: now,
      };
      try {
        await insertSchedule(db, row);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken();
        throw error;
      }
      return reply.code(201).send(scheduleFromRow(row));
    },
  );

  app.put(
    '/api/schedules/:id',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Replace a schedule (admins); messages already waiting are re-checked when they are due',
        params: IdParams,
        body: ScheduleInputSchema,
        response: {
          200: ScheduleOutSchema,
          403: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = await requireAdmin(request);
      checkCountry(request.body);
      let found: boolean;
      try {
        found = await updateSchedule(
          db,
          actor.orgId,
          request.params.id,
          scheduleColumns(request.body),
          deps.clock.now(),
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken();
        throw error;
      }
      if (!found) throw notFoundProblem('Schedule');
      const row = await findSchedule(db, actor.orgId, request.params.id);
      if (!row) throw notFoundProblem('Schedule');
      return scheduleFromRow(row);
    },
  );

  app.delete(
    '/api/schedules/:id',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Delete a schedule no sequence uses (admins)',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await requireAdmin(request);
      const users = await sequencesUsingSchedule(db, actor.orgId, request.params.id);
      if (users.length > 0) {
        throw new HttpProblem(
          409,
          'schedule_in_use',
          `The schedule is used by: ${users.slice(0, 5).join(', ')}`,
        );
      }
      if (!(await deleteSchedule(db, actor.orgId, request.params.id))) throw notFoundProblem('Schedule');
      return reply.code(204).send(null);
    },
  );
}
