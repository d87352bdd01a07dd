import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { moveIntoSendWindow } from './send-window.ts';
import { resolveTimeZone } from './time-zone.ts';
import { calendarWaitEnd, workingWaitEnd } from './wait-end.ts';
import type { WorkingCalendar } from './working-calendar.ts';

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string) =>
  DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ccc");

describe('calendar waits keep the wall-clock time across DST', () => {
  it.each([
    // spring forward
    ['America/New_York', '2026-03-07T10:00', { days: 1, hours: 0 }, '2026-03-08T10:00 Sun'],
    ['Europe/Warsaw', '2026-03-28T09:30', { days: 2, hours: 0 }, '2026-03-30T09:30 Mon'],
    ['Australia/Sydney', '2026-10-03T08:00', { days: 1, hours: 0 }, '2026-10-04T08:00 Sun'],
    // fall back
    ['America/New_York', '2026-10-31T10:00', { days: 1, hours: 0 }, '2026-11-01T10:00 Sun'],
    ['Europe/Warsaw', '2026-10-24T09:00', { days: 3, hours: 2 }, '2026-10-27T11:00 Tue'],
    ['Australia/Sydney', '2026-04-04T09:00', { days: 1, hours: 0 }, '2026-04-05T09:00 Sun'],
    // year end
    ['Europe/Warsaw', '2026-12-31T16:00', { days: 1, hours: 3 }, '2027-01-01T19:00 Fri'],
  ])('%s from %s', (zone, start, wait, expected) => {
    expect(local(calendarWaitEnd(at(start, zone), wait, zone), zone)).toBe(expected);
  });

  it('an hours-only wait across the New York spring gap counts elapsed hours', () => {
    const zone = 'America/New_York';
    const end = calendarWaitEnd(at('2026-03-08T01:00', zone), { days: 0, hours: 2 }, zone);
    expect(end - at('2026-03-08T01:00', zone)).toBe(2 * 3_600_000);
    expect(local(end, zone)).toBe('2026-03-08T04:00 Sun');
  });
});

describe('send windows', () => {
  const window = { from: '09:00', to: '17:00' };
  it.each([
    ['inside the window stays', 'Europe/Warsaw', '2026-06-10T10:15', '2026-06-10T10:15 Wed'],
    ['before opening moves to today', 'Europe/Warsaw', '2026-06-10T06:00', '2026-06-10T09:00 Wed'],
    [
      'the window has already passed today → tomorrow',
      'Europe/Warsaw',
      '2026-06-10T18:00',
      '2026-06-11T09:00 Thu',
    ],
    [
      'New York evening before spring forward',
      'America/New_York',
      '2026-03-07T20:00',
      '2026-03-08T09:00 Sun',
    ],
    ['Sydney evening before fall back', 'Australia/Sydney', '2026-04-04T22:00', '2026-04-05T09:00 Sun'],
    ['Warsaw New Year’s Eve', 'Europe/Warsaw', '2026-12-31T23:30', '2027-01-01T09:00 Fri'],
  ])('%s', (_name, zone, start, expected) => {
    expect(local(moveIntoSendWindow(at(start, zone), window, zone), zone)).toBe(expected);
  });

  it('a window across midnight', () => {
    const zone = 'Europe/Warsaw';
    const w = { from: '22:00', to: '06:00' };
    expect(local(moveIntoSendWindow(at('2026-06-10T23:00', zone), w, zone), zone)).toBe(
      '2026-06-10T23:00 Wed',
    );
    expect(local(moveIntoSendWindow(at('2026-06-10T12:00', zone), w, zone), zone)).toBe(
      '2026-06-10T22:00 Wed',
    );
  });

  it('9:00 local stays 9:00 on both sides of a DST change (UTC differs by an hour)', () => {
    const zone = 'Europe/Warsaw';
    const before = moveIntoSendWindow(at('2026-03-28T07:00', zone), window, zone);
    const after = moveIntoSendWindow(at('2026-03-29T07:00', zone), window, zone);
    expect(new Date(before).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(new Date(after).toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });
});

describe('working-time waits', () => {
  const calendar = (zone: string, extra: Partial<WorkingCalendar> = {}): WorkingCalendar => ({
    zone,
    days: [1, 2, 3, 4, 5],
    from: '09:00',
    to: '17:00',
    daysOff: [],
    holidays: [],
    ...extra,
  });

  it('skips the weekend (local weekdays)', () => {
    const zone = 'Australia/Sydney';
    const end = workingWaitEnd(at('2026-06-12T10:00', zone), { days: 1, hours: 0 }, calendar(zone));
    expect(local(end, zone)).toBe('2026-06-15T10:00 Mon');
  });

  it('counts hours inside working hours and carries over to the next working day', () => {
    const zone = 'Europe/Warsaw';
    const end = workingWaitEnd(at('2026-06-12T15:00', zone), { days: 0, hours: 4 }, calendar(zone));
    expect(local(end, zone)).toBe('2026-06-15T11:00 Mon');
  });

  it('skips organisation holidays and personal days off, across the year end', () => {
    const zone = 'Europe/Warsaw';
    const end = workingWaitEnd(
      at('2026-12-31T10:00', zone),
      { days: 1, hours: 0 },
      calendar(zone, { holidays: ['2027-01-01'], daysOff: ['2027-01-04'] }),
    );
    expect(local(end, zone)).toBe('2027-01-05T10:00 Tue');
  });

  it('a start outside working hours counts from the next opening; DST weekend in New York', () => {
    const zone = 'America/New_York';
    const end = workingWaitEnd(at('2026-03-06T19:00', zone), { days: 0, hours: 2 }, calendar(zone));
    expect(local(end, zone)).toBe('2026-03-09T11:00 Mon');
  });

  it('falls back to calendar time when the calendar has no working days', () => {
    const zone = 'Europe/Warsaw';
    const end = workingWaitEnd(
      at('2026-06-12T10:00', zone),
      { days: 1, hours: 0 },
      calendar(zone, { days: [] }),
    );
    expect(local(end, zone)).toBe('2026-06-13T10:00 Sat');
  });
});

describe('time zone resolution', () => {
  it('prefers the record, then the seller, then the org, skipping invalid names', () => {
    expect(resolveTimeZone('Australia/Sydney', 'Europe/Warsaw', 'UTC')).toBe('Australia/Sydney');
    expect(resolveTimeZone(null, 'Europe/Warsaw', 'UTC')).toBe('Europe/Warsaw');
    expect(resolveTimeZone('Mars/Olympus', null, 'America/New_York')).toBe('America/New_York');
    expect(resolveTimeZone(null, null, null)).toBe('UTC');
  });
});
