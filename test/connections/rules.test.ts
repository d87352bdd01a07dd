import { describe, expect, it } from 'vitest';
import { closingReason } from '../../src/domain/connect/disconnect.ts';
import { type ConnectCandidate, connectRefusal, isConnectable } from '../../src/domain/connect/refusal.ts';
import { evaluateFieldRule, matchesFieldRule, recordFieldValues } from '../../src/domain/fields/evaluate.ts';
import { matchingSegments } from '../../src/domain/segments/segment.ts';
import type { FieldRule } from '../../src/domain/sequence/definition.ts';
import { allowedStepActions, dueRange, stepActionRefusal } from '../../src/domain/worklist/steps.ts';

const target = { connectable: true, recordType: 'lead', hasEmailSteps: true };
const candidate = (over: Partial<ConnectCandidate> = {}): ConnectCandidate => ({
  type: 'lead',
  status: 'open',
  email: 'a@example.com',
  doNotEmail: false,
  suppressed: false,
  businessUnitId: 'bu-east',
  hasLiveConnection: false,
  permission: { allowed: true },
  ...over,
});
const refuse = { allowed: false, permission: 'record.connect', reason: 'x' } as const;

describe('connect refusals', () => {
  it('reports the first reason in a fixed order', () => {
    expect(connectRefusal(target, candidate(), 'bu-east')).toBeNull();
    expect(connectRefusal({ ...target, connectable: false }, candidate({ type: 'contact' }), 'bu-east')).toBe(
      'sequence_not_active',
    );
    expect(connectRefusal(target, undefined, 'bu-east')).toBe('not_found');
    expect(connectRefusal(target, candidate({ permission: { ...refuse, visible: true } }), 'bu-east')).toBe(
      'not_your_record',
    );
    // Invisible: a colleague's record in the same unit is "not yours", another unit's does not exist.
    expect(connectRefusal(target, candidate({ permission: { ...refuse, visible: false } }), 'bu-east')).toBe(
      'not_your_record',
    );
    expect(connectRefusal(target, candidate({ permission: { ...refuse, visible: false } }), 'bu-west')).toBe(
      'not_found',
    );
    expect(connectRefusal(target, candidate({ type: 'contact', status: 'won' }), 'bu-east')).toBe(
      'wrong_record_type',
    );
    expect(connectRefusal(target, candidate({ status: 'won', hasLiveConnection: true }), 'bu-east')).toBe(
      'not_open',
    );
    expect(connectRefusal(target, candidate({ hasLiveConnection: true, email: null }), 'bu-east')).toBe(
      'already_connected',
    );
    expect(connectRefusal(target, candidate({ doNotEmail: true, email: null }), 'bu-east')).toBe(
      'do_not_contact',
    );
    expect(connectRefusal(target, candidate({ email: '  ' }), 'bu-east')).toBe('no_email_address');
    expect(connectRefusal(target, candidate({ suppressed: true }), 'bu-east')).toBe('address_suppressed');
    expect(
      connectRefusal({ ...target, hasEmailSteps: false }, candidate({ suppressed: true }), 'bu-east'),
    ).toBeNull();
    // Without email steps neither the address nor do-not-email matters.
    expect(
      connectRefusal({ ...target, hasEmailSteps: false }, candidate({ email: null, doNotEmail: true }), 'x'),
    ).toBeNull();
  });

  it('takes active sequences and sequences in revision that have an active version', () => {
    expect(isConnectable('active', 'v1')).toBe(true);
    expect(isConnectable('revision', 'v1')).toBe(true);
    expect(isConnectable('inactive', 'v1')).toBe(false);
    expect(isConnectable('active', null)).toBe(false);
  });

  it('disconnects records that are no longer open', () => {
    expect(closingReason({ status: 'open' })).toBeNull();
    expect(closingReason({ status: 'qualified' })).toBe('record_qualified');
    expect(closingReason({ status: 'lost' })).toBe('record_lost');
  });
});

const rule = (combine: 'and' | 'or', ...groups: FieldRule['groups']): FieldRule => ({ combine, groups });
const record = {
  type: 'lead',
  name: 'Ada',
  first_name: null,
  last_name: null,
  company: 'Acme Ltd',
  job_title: 'CTO',
  email: 'ada@example.com',
  phone_business: null,
  phone_mobile: null,
  time_zone: null,
  status: 'open',
  stage: 'qualify',
  owner_id: 'u1',
  do_not_email: 0,
  do_not_call: 1,
  custom_json: JSON.stringify({ employees: 250, region: 'EMEA' }),
  created_at: Date.UTC(2026, 0, 1),
  updated_at: Date.UTC(2026, 0, 2),
};

describe('field rules', () => {
  const values = recordFieldValues(record);
  it('reads core and custom fields by machine name', () => {
    expect(values).toMatchObject({ company: 'Acme Ltd', do_not_call: true, employees: 250, region: 'EMEA' });
    expect(values.created_at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('combines AND/OR groups and compares case-insensitively and numerically', () => {
    const acme = {
      combine: 'and' as const,
      conditions: [{ field: 'company', operator: 'contains' as const, value: 'ACME' }],
    };
    const big = {
      combine: 'and' as const,
      conditions: [{ field: 'employees', operator: 'gte' as const, value: 100 }],
    };
    const apac = {
      combine: 'and' as const,
      conditions: [{ field: 'region', operator: 'eq' as const, value: 'APAC' }],
    };
    expect(evaluateFieldRule(rule('and', acme, big), values)).toEqual({ result: true });
    expect(evaluateFieldRule(rule('and', acme, apac), values)).toEqual({ result: false });
    expect(evaluateFieldRule(rule('or', apac, big), values)).toEqual({ result: true });
    const dnc = {
      combine: 'or' as const,
      conditions: [{ field: 'do_not_call', operator: 'eq' as const, value: true }],
    };
    expect(matchesFieldRule(rule('and', dnc), values)).toBe(true);
  });

  it('says "cannot evaluate" for unknown fields, and treats known empty ones as empty', () => {
    const unknown = {
      combine: 'and' as const,
      conditions: [{ field: 'budget', operator: 'gt' as const, value: 1 }],
    };
    expect(evaluateFieldRule(rule('and', unknown), values)).toEqual({ missingField: 'budget' });
    expect(matchesFieldRule(rule('and', unknown), values)).toBe(false);
    const empty = {
      combine: 'and' as const,
      conditions: [{ field: 'budget', operator: 'is_empty' as const }],
    };
    expect(evaluateFieldRule(rule('and', empty), values, ['budget'])).toEqual({ result: true });
  });

  it('picks matching segments by priority, then age', () => {
    const companyKnown = rule('and', {
      combine: 'and',
      conditions: [{ field: 'company', operator: 'is_not_empty' }],
    });
    const none = rule('and', { combine: 'and', conditions: [{ field: 'company', operator: 'is_empty' }] });
    const segments = [
      { id: 'old-low', recordType: 'lead', rule: companyKnown, priority: 1, enabled: true, createdAt: 1 },
      { id: 'high-no-match', recordType: 'lead', rule: none, priority: 99, enabled: true, createdAt: 1 },
      { id: 'new-high', recordType: 'lead', rule: companyKnown, priority: 5, enabled: true, createdAt: 3 },
      { id: 'old-high', recordType: 'lead', rule: companyKnown, priority: 5, enabled: true, createdAt: 2 },
      { id: 'off', recordType: 'lead', rule: companyKnown, priority: 100, enabled: false, createdAt: 1 },
      {
        id: 'contact',
        recordType: 'contact',
        rule: companyKnown,
        priority: 100,
        enabled: true,
        createdAt: 1,
      },
    ];
    expect(matchingSegments(segments, 'lead', values).map((s) => s.id)).toEqual([
      'old-high',
      'new-high',
      'old-low',
    ]);
  });
});

describe('work list rules', () => {
  it('buckets due times by the user’s calendar day, also across a DST change', () => {
    // Saturday 28 March 2026, 23:30 in Warsaw (CET, UTC+1); the clocks go forward that night.
    const now = Date.UTC(2026, 2, 28, 22, 30);
    const today = dueRange('today', now, 'Europe/Warsaw');
    expect(today).toEqual({ from: now - 15 * 60_000, to: Date.UTC(2026, 2, 28, 23, 0) });
    // Due within the last 15 minutes is "due now" (today), not overdue.
    expect(dueRange('overdue', now, 'Europe/Warsaw')).toEqual({ from: null, to: now - 15 * 60_000 });
    expect(dueRange('later', now, 'Europe/Warsaw').from).toBe(today.to);
    expect(dueRange(undefined, now, 'Europe/Warsaw').to).toBe(now + 30 * 86_400_000);
    // Sydney (AEDT, UTC+11) is already on Sunday morning: its day ends at 13:00 UTC.
    expect(dueRange('today', now, 'Australia/Sydney').to).toBe(Date.UTC(2026, 2, 29, 13, 0));
    expect(dueRange('today', now, 'Not/AZone').to).toBe(Date.UTC(2026, 2, 29, 0, 0));
  });

  it('allows the actions each step kind and status permits', () => {
    expect(allowedStepActions('phone_call', 'due')).toEqual(['complete', 'skip', 'snooze', 'assign', 'read']);
    expect(allowedStepActions('task', 'due')).toEqual(['complete', 'skip', 'snooze', 'assign', 'read']);
    expect(allowedStepActions('wait', 'waiting')).toEqual(['skip_wait']);
    expect(allowedStepActions('automated_email', 'due')).toEqual([]);
    expect(allowedStepActions('email', 'completed')).toEqual([]);
    expect(stepActionRefusal('complete', { kind: 'phone_call', status: 'due' })).toBe('outcome_required');
    expect(
      stepActionRefusal('complete', { kind: 'phone_call', status: 'due' }, { outcome: 'busy' }),
    ).toBeNull();
    expect(stepActionRefusal('snooze', { kind: 'task', status: 'due' })).toBeNull();
    expect(stepActionRefusal('snooze', { kind: 'wait', status: 'waiting' })).toBe('not_allowed_for_kind');
    expect(stepActionRefusal('skip', { kind: 'email', status: 'skipped' })).toBe('step_not_open');
  });
});
