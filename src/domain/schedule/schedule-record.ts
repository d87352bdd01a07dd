import { z } from 'zod';
import { holidayPredicate } from './holidays.ts';
import type { Place, ZoneSource } from './infer-zone.ts';
import { recordZone } from './record-zone.ts';
import {
  type HolidayCalendar,
  HolidayCalendarSchema,
  type Interval,
  IntervalSchema,
  type ZoneMode,
  ZoneModeSchema,
} from './schedule.ts';
import type { ResolvedSchedule } from './sendable.ts';
import { validZone } from './time-zone.ts';

/** A schedule as the API accepts it (create and full replace). */
export const ScheduleInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  isDefault: z.boolean().default(false),
  zoneMode: ZoneModeSchema.refine((m) => m.kind !== 'fixed' || validZone(m.zone) !== undefined, {
    message: 'Unknown IANA time zone',
    path: ['zone'],
  }),
  intervals: z.array(IntervalSchema).max(100),
  holidays: HolidayCalendarSchema.default({ dates: [], country: null, region: null }),
});
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

export interface Schedule {
  id: string;
  name: string;
  isDefault: boolean;
  zoneMode: ZoneMode;
  intervals: Interval[];
  holidays: HolidayCalendar;
}

/** The schedule as the API returns it (plain types; response schemas must be encodable). */
export const ScheduleOutSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    isDefault: z.boolean(),
    zoneMode: z.object({ kind: z.enum(['recipient', 'seller', 'fixed']), zone: z.string().optional() }),
    intervals: z.array(z.object({ day: z.number().int(), from: z.string(), to: z.string() })),
    holidays: z.object({
      dates: z.array(z.string()),
      country: z.string().nullable(),
      region: z.string().nullable(),
    }),
  })
  .meta({ id: 'Schedule' });

interface StoredSchedule {
  id: string;
  name: string;
  is_default: number;
  zone_mode: string;
  zone: string | null;
  intervals_json: string;
  holidays_json: string;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Reads a stored row leniently: damaged intervals are dropped, damaged holidays become none. */
export function scheduleFromRow(row: StoredSchedule): Schedule {
  const rawIntervals = json(row.intervals_json);
  const intervals = (Array.isArray(rawIntervals) ? rawIntervals : []).flatMap((i) => {
    const parsed = IntervalSchema.safeParse(i);
    return parsed.success ? [parsed.data] : [];
  });
  const holidays = HolidayCalendarSchema.safeParse(json(row.holidays_json));
  const zoneMode: ZoneMode =
    row.zone_mode === 'fixed'
      ? { kind: 'fixed', zone: row.zone ?? 'UTC' }
      : row.zone_mode === 'seller'
        ? { kind: 'seller' }
        : { kind: 'recipient' };
  return {
    id: row.id,
    name: row.name,
    isDefault: row.is_default === 1,
    zoneMode,
    intervals,
    holidays: holidays.success ? holidays.data : { dates: [], country: null, region: null },
  };
}

/** Columns for a validated input. */
export function scheduleColumns(input: ScheduleInput) {
  return {
    name: input.name,
    is_default: input.isDefault ? (1 as const) : (0 as const),
    zone_mode: input.zoneMode.kind,
    zone: input.zoneMode.kind === 'fixed' ? input.zoneMode.zone : null,
    intervals_json: JSON.stringify(input.intervals),
    holidays_json: JSON.stringify({ ...input.holidays, dates: [...new Set(input.holidays.dates)].sort() }),
  };
}

/** What decides the zone of one message. */
export interface ZoneInputs {
  recordZone: string | null;
  /** The record's country/region/city (custom fields), for inference when it has no zone. */
  place: Place;
  /** The record's phone numbers (business first), for inference when nothing else tells. */
  phones?: readonly (string | null)[];
  sellerZone: string | null;
  orgZone: string | null;
}

/**
 * The zone a schedule is read in for one message, and whether it was inferred:
 * recipient = the record's zone, else inferred from its city/region/country, else from its phone number, else
 * the seller's, else the org's;
 * seller = the seller's, else the org's; fixed = the schedule's zone. Invalid names are skipped; UTC last.
 */
export function scheduleZone(
  mode: ZoneMode,
  inputs: ZoneInputs,
): { zone: string; inferred: boolean; source?: ZoneSource } {
  const fallback = validZone(inputs.sellerZone) ?? validZone(inputs.orgZone) ?? 'UTC';
  switch (mode.kind) {
    case 'recipient': {
      const found = recordZone({
        recordZone: inputs.recordZone,
        place: inputs.place,
        phones: inputs.phones ?? [],
        defaultZone: fallback,
      });
      return found.source === 'default'
        ? { zone: found.zone, inferred: false }
        : { zone: found.zone, inferred: found.inferred, source: found.source };
    }
    case 'seller':
      return { zone: fallback, inferred: false };
    case 'fixed':
      return { zone: validZone(mode.zone) ?? validZone(inputs.orgZone) ?? 'UTC', inferred: false };
    default: {
      const never: never = mode;
      return never;
    }
  }
}

export function resolveSchedule(schedule: Schedule, inputs: ZoneInputs): ResolvedSchedule {
  return {
    scheduleId: schedule.id,
    name: schedule.name,
    hours: { intervals: schedule.intervals },
    zone: scheduleZone(schedule.zoneMode, inputs).zone,
    zoneMode: schedule.zoneMode.kind,
    isHoliday: holidayPredicate(schedule.holidays),
  };
}
