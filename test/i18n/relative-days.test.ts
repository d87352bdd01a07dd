import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { makeFormatters } from '../../web/src/i18n/format.ts';

/**
 * The work list's "due" column says when a step is due relative to now. A day is a calendar day on the seller's
 * own clock (profile time zone), so it agrees with the Today / Later buckets around midnight and across DST.
 */
const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();

describe('relative due times count calendar days in the seller’s zone', () => {
  it('a step due late tomorrow is "tomorrow", not "in 2 days"; one due early yesterday is "yesterday"', () => {
    const ny = makeFormatters('en', 'America/New_York');
    const now = at('2026-03-09T08:00', 'America/New_York');
    expect(ny.relative(at('2026-03-10T22:00', 'America/New_York'), now)).toBe('tomorrow');
    expect(ny.relative(at('2026-03-11T07:00', 'America/New_York'), now)).toBe('in 2 days');
    const evening = at('2026-03-09T20:00', 'America/New_York');
    expect(ny.relative(at('2026-03-08T08:00', 'America/New_York'), evening)).toBe('yesterday');
    expect(
      makeFormatters('pl', 'America/New_York').relative(at('2026-03-10T22:00', 'America/New_York'), now),
    ).toBe('jutro');
  });

  it('the same two instants are "tomorrow" in London and "in 2 days" in Kolkata (half-hour offset)', () => {
    const now = Date.UTC(2026, 0, 5, 9, 0);
    const due = Date.UTC(2026, 0, 6, 19, 0);
    expect(makeFormatters('en', 'Europe/London').relative(due, now)).toBe('tomorrow');
    expect(makeFormatters('en', 'Asia/Kolkata').relative(due, now)).toBe('in 2 days');
  });

  it('across the spring-forward weekend and the year end', () => {
    const warsaw = makeFormatters('en', 'Europe/Warsaw');
    const saturday = at('2026-03-28T23:30', 'Europe/Warsaw');
    expect(warsaw.relative(at('2026-03-30T09:00', 'Europe/Warsaw'), saturday)).toBe('in 2 days');
    const sydney = makeFormatters('en', 'Australia/Sydney');
    const newYearsEve = at('2026-12-31T06:00', 'Australia/Sydney');
    expect(sydney.relative(at('2027-01-01T23:00', 'Australia/Sydney'), newYearsEve)).toBe('tomorrow');
    expect(warsaw.relative(at('2026-03-28T20:30', 'Europe/Warsaw'), saturday)).toBe('3 hours ago');
  });
});
