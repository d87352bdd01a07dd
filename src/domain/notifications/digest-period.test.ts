import { describe, expect, it } from 'vitest';
import { currentDigestPeriod } from './digest-period.ts';

const at = (iso: string) => Date.parse(iso);

describe('digest periods', () => {
  it('off has no period', () => {
    expect(
      currentDigestPeriod({ frequency: 'off', dailyHour: 8 }, at('2026-11-29T16:10:00Z'), 'UTC'),
    ).toBeNull();
  });

  it('hourly periods start on the local hour', () => {
    expect(
      currentDigestPeriod({ frequency: 'hourly', dailyHour: 8 }, at('2026-11-29T16:10:00Z'), 'Asia/Kolkata'),
    ).toEqual({ key: 'hourly:2026-11-29T21:00', start: at('2026-11-29T15:30:00Z') });
  });

  it('daily periods start at the chosen local hour, the day before until that hour comes', () => {
    const daily = { frequency: 'daily' as const, dailyHour: 8 };
    // 07:30 in Warsaw (UTC+1 in winter): today's 08:00 has not come yet.
    expect(currentDigestPeriod(daily, at('2026-11-29T06:30:00Z'), 'Europe/Warsaw')).toEqual({
      key: 'daily:2026-11-28',
      start: at('2026-11-28T07:00:00Z'),
    });
    expect(currentDigestPeriod(daily, at('2026-11-29T07:00:00Z'), 'Europe/Warsaw')).toEqual({
      key: 'daily:2026-11-29',
      start: at('2026-11-29T07:00:00Z'),
    });
    // Summer time: 08:00 Warsaw is 06:00 UTC.
    expect(currentDigestPeriod(daily, at('2026-07-01T06:00:00Z'), 'Europe/Warsaw')?.start).toBe(
      at('2026-07-01T06:00:00Z'),
    );
  });

  it('an unknown zone falls back to UTC', () => {
    expect(
      currentDigestPeriod({ frequency: 'hourly', dailyHour: 0 }, at('2026-11-29T16:10:00Z'), 'Nowhere/X')
        ?.key,
    ).toBe('hourly:2026-11-29T16:00');
  });
});
