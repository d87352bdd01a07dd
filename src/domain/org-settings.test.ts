import { describe, expect, it } from 'vitest';
import {
  applyOrgSettingsPatch,
  DEFAULT_ORG_SETTINGS,
  OrgSettingsPatchSchema,
  parseOrgSettings,
} from './org-settings.ts';

describe('parseOrgSettings', () => {
  it('fills defaults for an empty, missing or broken value', () => {
    expect(parseOrgSettings('{}')).toEqual(DEFAULT_ORG_SETTINGS);
    expect(parseOrgSettings(undefined)).toEqual(DEFAULT_ORG_SETTINGS);
    expect(parseOrgSettings('not json')).toEqual(DEFAULT_ORG_SETTINGS);
    expect(parseOrgSettings('[1,2]')).toEqual(DEFAULT_ORG_SETTINGS);
  });

  it('keeps each valid field and defaults each invalid one on its own', () => {
    const settings = parseOrgSettings(
      JSON.stringify({
        timeZone: 'Europe/Warsaw',
        featureRoles: ['sequence_manager'],
        holidays: ['2026-12-25'],
        mailLimits: { dailyLimit: 100, hourlyLimit: 'lots' },
        workingHours: { days: [1, 2], from: '10:00', to: '09:00' },
        somethingElse: true,
      }),
    );
    expect(settings).toEqual({
      ...DEFAULT_ORG_SETTINGS,
      timeZone: 'Europe/Warsaw',
      featureRoles: ['sequence_manager'],
      holidays: ['2026-12-25'],
      mailLimits: { ...DEFAULT_ORG_SETTINGS.mailLimits, dailyLimit: 100 },
    });
    expect(parseOrgSettings({ timeZone: 'Mars/Base' }).timeZone).toBe('UTC');
    expect(parseOrgSettings({ featureRoles: ['wizard'] }).featureRoles).toBeNull();
  });
});

describe('applyOrgSettingsPatch', () => {
  it('changes only what the patch names; null opens the feature to everyone again', () => {
    const current = { ...DEFAULT_ORG_SETTINGS, featureRoles: ['admin' as const] };
    const patch = OrgSettingsPatchSchema.parse({
      featureRoles: null,
      holidays: ['2026-12-26', '2026-12-25', '2026-12-26'],
      mailLimits: { minSpacingSeconds: 0 },
    });
    expect(applyOrgSettingsPatch(current, patch)).toEqual({
      ...DEFAULT_ORG_SETTINGS,
      featureRoles: null,
      holidays: ['2026-12-25', '2026-12-26'],
      mailLimits: { ...DEFAULT_ORG_SETTINGS.mailLimits, minSpacingSeconds: 0 },
    });
    expect(applyOrgSettingsPatch(current, {})).toEqual(current);
  });
});
