import { describe, expect, it } from 'vitest';
import { inferZone, phoneCountry } from './infer-zone.ts';
import { recordZone } from './record-zone.ts';
import { scheduleZone } from './schedule-record.ts';

const none = { country: null, region: null, city: null };

describe('a record without a zone: inferred from its place or phone number', () => {
  it.each([
    // phone numbers, international format
    [{ place: none, phones: ['+1 212 555 0100'] }, 'America/New_York', 'phone'],
    [{ place: none, phones: ['+48 22 123 45 67'] }, 'Europe/Warsaw', 'phone'],
    [{ place: none, phones: ['+61 2 9876 5432'] }, 'Australia/Sydney', 'phone'],
    [{ place: none, phones: ['+977 1 4412345'] }, 'Asia/Kathmandu', 'phone'],
    [{ place: none, phones: ['+44 20 7946 0958'] }, 'Europe/London', 'phone'],
    [{ place: none, phones: ['+49 30 901820'] }, 'Europe/Berlin', 'phone'],
    [{ place: none, phones: ['+81 3-1234-5678'] }, 'Asia/Tokyo', 'phone'],
    // a number nobody can place, then a mobile that can: the mobile decides
    [{ place: none, phones: ['555 0100', '+48 601 234 567'] }, 'Europe/Warsaw', 'phone'],
    // city beats region beats country beats phone
    [{ place: { country: 'CA', region: null, city: "St. John's" }, phones: [] }, 'America/St_Johns', 'city'],
    [{ place: { country: null, region: null, city: 'Kathmandu' }, phones: [] }, 'Asia/Kathmandu', 'city'],
    [
      { place: { country: 'US', region: null, city: 'Los Angeles' }, phones: ['+1 212 555 0100'] },
      'America/Los_Angeles',
      'city',
    ],
    [
      { place: { country: 'AU', region: 'SA', city: null }, phones: ['+61 2 9876 5432'] },
      'Australia/Adelaide',
      'region',
    ],
    [
      { place: { country: 'Poland', region: null, city: null }, phones: ['+1 212 555 0100'] },
      'Europe/Warsaw',
      'country',
    ],
    [{ place: { country: 'Nepal', region: null, city: null }, phones: [] }, 'Asia/Kathmandu', 'country'],
    // an unknown city falls through to the country
    [
      { place: { country: 'PL', region: null, city: 'Nowhere-on-Vistula' }, phones: [] },
      'Europe/Warsaw',
      'country',
    ],
    // a national number is read in the record's country when the country is unknown to the zone data
    [
      { place: { country: 'Atlantis', region: null, city: null }, phones: ['+48 22 123 45 67'] },
      'Europe/Warsaw',
      'phone',
    ],
  ])('%j → %s (from %s)', (clues, zone, source) => {
    expect(inferZone(clues)).toEqual({ zone, source });
  });

  it.each([[[]], [['']], [['555 0100']], [['not a number']], [['+999 123']]])(
    'nothing to infer from %j: null',
    (phones) => {
      expect(inferZone({ place: none, phones })).toBeNull();
    },
  );

  it('a national number is read with the record country as the default', () => {
    expect(phoneCountry('022 123 45 67', 'PL')).toBe('PL');
    expect(phoneCountry('022 123 45 67', null)).toBeNull();
    expect(phoneCountry('022 123 45 67', 'XX')).toBeNull();
  });
});

describe('precedence: own zone > city/region/country > phone > schedule default', () => {
  const base = { recordZone: null, place: none, phones: [], defaultZone: 'Europe/Warsaw' };
  it.each([
    [
      { ...base, recordZone: 'Asia/Kathmandu', phones: ['+1 212 555 0100'] },
      'Asia/Kathmandu',
      'record',
      false,
    ],
    [{ ...base, recordZone: 'Mars/Olympus', phones: ['+1 212 555 0100'] }, 'America/New_York', 'phone', true],
    [
      { ...base, place: { country: 'AU', region: null, city: null }, phones: ['+1 212 555 0100'] },
      'Australia/Sydney',
      'country',
      true,
    ],
    [{ ...base, phones: ['+1 709 555 0100'] }, 'America/Toronto', 'phone', true],
    [base, 'Europe/Warsaw', 'default', false],
    [{ ...base, defaultZone: null }, 'UTC', 'default', false],
  ])('%j → %s (%s)', (input, zone, source, inferred) => {
    expect(recordZone(input)).toEqual({ zone, source, inferred });
  });

  it('a recipient-zone schedule reads the phone-inferred zone; seller and fixed schedules ignore it', () => {
    const inputs = {
      recordZone: null,
      place: none,
      phones: ['+61 2 9876 5432'],
      sellerZone: 'America/St_Johns',
      orgZone: 'Europe/Warsaw',
    };
    expect(scheduleZone({ kind: 'recipient' }, inputs)).toEqual({
      zone: 'Australia/Sydney',
      inferred: true,
      source: 'phone',
    });
    expect(scheduleZone({ kind: 'seller' }, inputs).zone).toBe('America/St_Johns');
    expect(scheduleZone({ kind: 'fixed', zone: 'Asia/Kathmandu' }, inputs).zone).toBe('Asia/Kathmandu');
    expect(scheduleZone({ kind: 'recipient' }, { ...inputs, phones: [] })).toEqual({
      zone: 'America/St_Johns',
      inferred: false,
    });
  });
});
