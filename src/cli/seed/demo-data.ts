import type { ImportRecord } from '../../domain/records/csv-import.ts';
import type { RecordStatus } from '../../domain/records/record-schemas.ts';
import type { RecordType } from '../../domain/sequence/definition.ts';
import type { FieldOption } from '../../domain/sequence/fields.ts';

/**
 * The demo organisation "Northwind Demo", as data: business units, people with known demo passwords, custom
 * fields and a deterministic generator of realistic records (no external data, same output on every run).
 */

export const DEMO_ORG_NAME = 'Northwind Demo';
export const DEMO_EMAIL_DOMAIN = 'northwind.example';

export type DemoUnitKey = 'east' | 'eastEnterprise' | 'west';
export const DEMO_UNITS: { key: DemoUnitKey; name: string; parent: DemoUnitKey | null }[] = [
  { key: 'east', name: 'East', parent: null },
  { key: 'eastEnterprise', name: 'East Enterprise', parent: 'east' },
  { key: 'west', name: 'West', parent: null },
];

export type DemoRole = 'seller' | 'sequence_manager' | 'sales_manager' | 'admin';

export interface DemoUser {
  name: string;
  email: string;
  password: string;
  role: DemoRole;
  unit: DemoUnitKey;
  locale: 'en' | 'pl';
  timeZone: string;
}

const user = (
  first: string,
  last: string,
  role: DemoRole,
  unit: DemoUnitKey,
  password: string,
  timeZone: string,
  locale: 'en' | 'pl' = 'en',
): DemoUser => ({
  name: `${first} ${last}`,
  email: `${first}.${last}@${DEMO_EMAIL_DOMAIN}`.toLowerCase(),
  password,
  role,
  unit,
  locale,
  timeZone,
});

/** Two sellers per business unit, one sequence manager, one sales manager and one admin. */
export const DEMO_USERS: DemoUser[] = [
  user('Anna', 'Baker', 'seller', 'east', 'demo-seller-east-1!', 'America/New_York'),
  user('Ben', 'Carter', 'seller', 'east', 'demo-seller-east-2!', 'America/New_York'),
  user('Chloe', 'Dubois', 'seller', 'eastEnterprise', 'demo-seller-enterprise-1!', 'America/Toronto'),
  user('Daniel', 'Nowak', 'seller', 'eastEnterprise', 'demo-seller-enterprise-2!', 'Europe/Warsaw', 'pl'),
  user('Emma', 'Schmidt', 'seller', 'west', 'demo-seller-west-1!', 'America/Los_Angeles'),
  user('Felix', 'Garcia', 'seller', 'west', 'demo-seller-west-2!', 'America/Denver'),
  user('Grace', 'Lee', 'sequence_manager', 'east', 'demo-sequence-manager!', 'America/New_York'),
  user('Henry', 'Walker', 'sales_manager', 'east', 'demo-sales-manager!', 'America/Chicago'),
  user('Iris', 'Novak', 'admin', 'east', 'demo-admin-1234!', 'America/New_York'),
];

export const DEMO_ORG_TIME_ZONE = 'America/New_York';
/** US federal holidays 2026–2027 (observed dates). */
export const DEMO_HOLIDAYS = [
  '2026-01-01',
  '2026-01-19',
  '2026-02-16',
  '2026-05-25',
  '2026-06-19',
  '2026-07-03',
  '2026-09-07',
  '2026-10-12',
  '2026-11-11',
  '2026-11-26',
  '2026-12-25',
  '2027-01-01',
  '2027-01-18',
  '2027-02-15',
  '2027-05-31',
  '2027-06-18',
  '2027-07-05',
  '2027-09-06',
  '2027-10-11',
  '2027-11-11',
  '2027-11-25',
  '2027-12-24',
];

export interface DemoField {
  recordType: RecordType;
  name: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'option_set' | 'two_options';
  options?: FieldOption[];
}

const LEAD_SOURCES: FieldOption[] = [
  { value: 'web', label: 'Website' },
  { value: 'event', label: 'Event' },
  { value: 'referral', label: 'Referral' },
  { value: 'partner', label: 'Partner' },
  { value: 'outbound', label: 'Outbound' },
];
const INDUSTRIES: FieldOption[] = [
  { value: 'manufacturing', label: 'Manufacturing' },
  { value: 'retail', label: 'Retail' },
  { value: 'software', label: 'Software' },
  { value: 'healthcare', label: 'Healthcare' },
  { value: 'logistics', label: 'Logistics' },
  { value: 'finance', label: 'Financial services' },
];
const YES_NO: FieldOption[] = [
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

export const DEMO_FIELDS: DemoField[] = [
  { recordType: 'lead', name: 'leadSource', label: 'Lead source', type: 'option_set', options: LEAD_SOURCES },
  { recordType: 'lead', name: 'budget', label: 'Budget', type: 'number' },
  {
    recordType: 'lead',
    name: 'newsletterOptIn',
    label: 'Newsletter opt-in',
    type: 'two_options',
    options: YES_NO,
  },
  {
    recordType: 'contact',
    name: 'newsletterOptIn',
    label: 'Newsletter opt-in',
    type: 'two_options',
    options: YES_NO,
  },
  { recordType: 'contact', name: 'birthday', label: 'Birthday', type: 'date' },
  { recordType: 'account', name: 'industry', label: 'Industry', type: 'option_set', options: INDUSTRIES },
  { recordType: 'account', name: 'employees', label: 'Employees', type: 'number' },
  { recordType: 'opportunity', name: 'estimatedValue', label: 'Estimated value', type: 'number' },
  { recordType: 'opportunity', name: 'expectedClose', label: 'Expected close', type: 'date' },
];

/** How many records of each type the demo has (500 in all). */
export const DEMO_RECORD_COUNTS: Record<RecordType, number> = {
  lead: 200,
  contact: 150,
  account: 75,
  opportunity: 75,
};

// ── Deterministic generator ─────────────────────────────────────────────────────────────────────────────────

/** mulberry32: a tiny seeded PRNG, so the demo is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Sophia',
  'Noah',
  'Amelia',
  'Elijah',
  'Mia',
  'Lucas',
  'Harper',
  'Mateo',
  'Evelyn',
  'Levi',
  'Aria',
  'Kenji',
  'Yuki',
  'Priya',
  'Arjun',
  'Fatima',
  'Omar',
  'Zofia',
  'Jakub',
  'Katarzyna',
  'Piotr',
  'Ingrid',
  'Lars',
  'Camille',
  'Hugo',
  'Lucia',
  'Diego',
  'Chen',
  'Mei',
  'Aisha',
  'Kwame',
  'Sven',
  'Hannah',
  'Tomás',
  'Isabel',
  'Nikolai',
  'Elena',
  'Samuel',
  'Grace',
  'Owen',
  'Nora',
  'Julian',
  'Maya',
  'Ravi',
  'Leila',
  'Marcus',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Thompson',
  'White',
  'Kowalski',
  'Wiśniewski',
  'Lewandowska',
  'Tanaka',
  'Sato',
  'Patel',
  'Sharma',
  'Müller',
  'Schneider',
  'Rossi',
  'Bianchi',
  'Dubois',
  'Lefebvre',
  'Johansson',
  'Nielsen',
  'Okafor',
  'Mensah',
  'Kim',
  'Park',
  'Nguyen',
  'Chen',
  "O'Brien",
  'Murphy',
  'Fischer',
  'Costa',
  'Silva',
  'Andersen',
  'Novak',
];
const COMPANY_FIRST = [
  'Blue Harbor',
  'Summit',
  'Northwind',
  'Granite',
  'Silverline',
  'Redwood',
  'Brightpath',
  'Ironbridge',
  'Cedar',
  'Lakeside',
  'Polar',
  'Evergreen',
  'Crescent',
  'Harbor Point',
  'Copperfield',
  'Skyline',
  'Riverstone',
  'Oakmont',
  'Meridian',
  'Vantage',
  'Keystone',
  'Sunrise',
  'Atlas',
  'Pioneer',
  'Horizon',
];
const COMPANY_SECOND = [
  'Logistics',
  'Analytics',
  'Foods',
  'Health',
  'Manufacturing',
  'Software',
  'Retail Group',
  'Energy',
  'Capital',
  'Robotics',
  'Labs',
  'Outfitters',
  'Pharma',
  'Systems',
  'Textiles',
  'Freight',
  'Media',
  'Dental',
  'Insurance',
];
const COMPANY_SUFFIX = ['Inc.', 'LLC', 'Ltd', 'GmbH', 'Sp. z o.o.', 'S.A.', 'Co.', 'Group'];
const JOB_TITLES = [
  'Head of Operations',
  'VP of Sales',
  'Procurement Manager',
  'IT Director',
  'Chief Financial Officer',
  'Marketing Manager',
  'Operations Analyst',
  'Founder & CEO',
  'Purchasing Lead',
  'Head of Customer Success',
  'Plant Manager',
  'Product Manager',
  'Office Manager',
  'Chief Technology Officer',
  'Supply Chain Director',
];
const PRODUCTS = [
  'Platform licence',
  'Onboarding package',
  'Annual renewal',
  'Expansion',
  'Pilot',
  'Support plan',
];

/** Time zones with the country calling code and a fictional number pattern for each. */
const PLACES: { zone: string; phone: (r: () => number) => string }[] = [
  { zone: 'America/New_York', phone: (r) => `+1 212 555 0${pad(r, 3)}` },
  { zone: 'America/Chicago', phone: (r) => `+1 312 555 0${pad(r, 3)}` },
  { zone: 'America/Denver', phone: (r) => `+1 303 555 0${pad(r, 3)}` },
  { zone: 'America/Los_Angeles', phone: (r) => `+1 415 555 0${pad(r, 3)}` },
  { zone: 'America/Toronto', phone: (r) => `+1 416 555 0${pad(r, 3)}` },
  { zone: 'Europe/London', phone: (r) => `+44 20 7946 0${pad(r, 3)}` },
  { zone: 'Europe/Warsaw', phone: (r) => `+48 22 ${pad(r, 3)} ${pad(r, 2)} ${pad(r, 2)}` },
  { zone: 'Europe/Berlin', phone: (r) => `+49 30 ${pad(r, 4)} ${pad(r, 4)}` },
  { zone: 'Asia/Tokyo', phone: (r) => `+81 3 ${pad(r, 4)} ${pad(r, 4)}` },
  { zone: 'Australia/Sydney', phone: (r) => `+61 2 ${pad(r, 4)} ${pad(r, 4)}` },
];

function pad(random: () => number, digits: number): string {
  return String(Math.floor(random() * 10 ** digits)).padStart(digits, '0');
}

const two = (n: number) => String(n).padStart(2, '0');

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

const OPPORTUNITY_STAGES = ['qualify', 'develop', 'propose', 'close'];

function statusFor(type: RecordType, random: () => number): RecordStatus {
  const roll = random();
  if (roll < 0.85) return 'open';
  const closed: Record<RecordType, RecordStatus[]> = {
    lead: ['qualified', 'disqualified'],
    contact: ['disqualified'],
    account: ['disqualified'],
    opportunity: ['won', 'lost'],
  };
  return pick(random, closed[type]);
}

export interface DemoOwner {
  id: string;
  businessUnitId: string;
}

export interface DemoRecord extends ImportRecord {
  /** Milliseconds before `now` at which the record was created. */
  ageMs: number;
}

/** Generates the demo records for the given sellers; the same seed gives the same records. */
export function generateDemoRecords(owners: DemoOwner[], seed = 20260105): DemoRecord[] {
  const random = seededRandom(seed);
  const records: DemoRecord[] = [];
  const companies = Array.from({ length: 120 }, (_, index) => {
    const name = `${COMPANY_FIRST[index % COMPANY_FIRST.length]} ${pick(random, COMPANY_SECOND)} ${pick(random, COMPANY_SUFFIX)}`;
    const domain = `${ascii(name.split(' ').slice(0, -1).join(''))}.example`;
    return { name, domain, place: pick(random, PLACES) };
  });
  let index = 0;
  for (const type of ['lead', 'contact', 'account', 'opportunity'] as const) {
    for (let n = 0; n < DEMO_RECORD_COUNTS[type]; n++, index++) {
      const owner = owners[index % owners.length]!;
      const company = companies[Math.floor(random() * companies.length)]!;
      const first = pick(random, FIRST_NAMES);
      const last = pick(random, LAST_NAMES);
      const person = type === 'lead' || type === 'contact';
      const status = statusFor(type, random);
      const custom: ImportRecord['custom'] = {};
      if (type === 'lead') {
        custom.leadSource = pick(random, LEAD_SOURCES).value;
        if (random() < 0.7) custom.budget = Math.round(random() * 200) * 500;
        custom.newsletterOptIn = random() < 0.4;
      } else if (type === 'contact') {
        custom.newsletterOptIn = random() < 0.5;
        if (random() < 0.3) {
          custom.birthday = `19${60 + Math.floor(random() * 40)}-${two(1 + Math.floor(random() * 12))}-${two(1 + Math.floor(random() * 28))}`;
        }
      } else if (type === 'account') {
        custom.industry = pick(random, INDUSTRIES).value;
        custom.employees = 10 + Math.floor(random() * 5000);
      } else {
        custom.estimatedValue = (5 + Math.floor(random() * 200)) * 1000;
        custom.expectedClose = `2026-${two(1 + Math.floor(random() * 12))}-${two(1 + Math.floor(random() * 28))}`;
      }
      const email = person || random() < 0.8 ? `${ascii(first)}.${ascii(last)}@${company.domain}` : null;
      records.push({
        type,
        name:
          type === 'account'
            ? company.name
            : type === 'opportunity'
              ? `${company.name.split(' ').slice(0, 2).join(' ')} – ${pick(random, PRODUCTS)}`
              : `${first} ${last}`,
        firstName: person ? first : null,
        lastName: person ? last : null,
        company: company.name,
        jobTitle: person ? pick(random, JOB_TITLES) : null,
        email: type === 'account' ? `info@${company.domain}` : email,
        phoneBusiness: company.place.phone(random),
        phoneMobile: person && random() < 0.6 ? company.place.phone(random) : null,
        timeZone: company.place.zone,
        status,
        stage: type === 'opportunity' ? pick(random, OPPORTUNITY_STAGES) : type === 'lead' ? 'qualify' : null,
        ownerId: owner.id,
        businessUnitId: owner.businessUnitId,
        doNotEmail: random() < 0.03,
        doNotCall: random() < 0.05,
        custom,
        ageMs: Math.floor(random() * 90 * 24 * 3_600_000),
      });
    }
  }
  return records;
}
