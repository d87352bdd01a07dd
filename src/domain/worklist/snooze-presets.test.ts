import { describe, expect, it } from 'vitest';
import { snoozePresets } from './snooze-presets.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('snooze presets in the seller’s time zone', () => {
  it('a Wednesday morning in Warsaw: later today, tomorrow 09:00 and Monday 09:00 Warsaw time', () => {
    const presets = snoozePresets(at('2026-03-04T08:10:00Z'), 'Europe/Warsaw'); // 09:10 in Warsaw
    expect(presets.map((p) => [p.preset, iso(p.until)])).toEqual([
      ['later_today', '2026-03-04T11:15:00.000Z'],
      ['tomorrow_morning', '2026-03-05T08:00:00.000Z'],
      ['next_week', '2026-03-09T08:00:00.000Z'],
    ]);
  });

  it('the same instant for a seller in New York is still the night before: tomorrow is their Wednesday', () => {
    const presets = snoozePresets(at('2026-03-04T03:00:00Z'), 'America/New_York'); // Tue 22:00
    expect(presets.map((p) => p.preset)).toEqual(['tomorrow_morning', 'next_week']);
    expect(iso(presets[0]!.until)).toBe('2026-03-04T14:00:00.000Z');
  });

  it('across the spring DST change, next Monday 09:00 uses that day’s offset', () => {
    // Friday 6 March 2026 in New York (EST, UTC-5); clocks go forward on Sunday 8 March (EDT, UTC-4).
    const presets = snoozePresets(at('2026-03-06T15:00:00Z'), 'America/New_York');
    expect(iso(presets.find((p) => p.preset === 'next_week')!.until)).toBe('2026-03-09T13:00:00.000Z');
    expect(iso(presets.find((p) => p.preset === 'tomorrow_morning')!.until)).toBe('2026-03-07T14:00:00.000Z');
  });

  it('on a Sunday, next week is the next day', () => {
    const presets = snoozePresets(at('2026-03-08T10:00:00Z'), 'Europe/Warsaw');
    expect(iso(presets.find((p) => p.preset === 'next_week')!.until)).toBe('2026-03-09T08:00:00.000Z');
  });
});
