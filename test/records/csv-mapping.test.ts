import { describe, expect, it } from 'vitest';
import { mapColumns, parseCsv, parseMapArguments, validateRow } from '../../src/domain/records/csv-import.ts';
import { coerceCustomValue } from '../../src/domain/records/custom-fields.ts';
import { statusChangeProblem } from '../../src/domain/records/record-schemas.ts';
import type { FieldDefinition } from '../../src/domain/sequence/fields.ts';

const fields: FieldDefinition[] = [
  {
    name: 'leadSource',
    label: 'Lead source',
    type: 'option_set',
    options: [{ value: 'web', label: 'Website' }],
  },
  { name: 'newsletterOptIn', label: 'Newsletter', type: 'two_options' },
  { name: 'renewal', label: 'Renewal date', type: 'date' },
];
const owner = { id: 'u1', businessUnitId: 'b1' };
const context = {
  type: 'lead' as const,
  customFields: fields,
  owners: new Map([['anna@example.com', owner]]),
  defaultOwner: owner,
  ownerRefusal: () => null,
};

describe('CSV column mapping and row checks', () => {
  it('maps headers by their usual spellings, custom fields by name or label, and reports the rest', () => {
    const mapping = mapColumns(
      ['First Name', 'SURNAME', 'E-mail Address', 'Lead source', 'newsletterOptIn', 'Notes'],
      fields,
    );
    expect(mapping.problems).toEqual([]);
    expect(mapping.ignored).toEqual(['Notes']);
    expect(
      mapping.targets.map((t) =>
        t.kind === 'core' ? t.field : t.kind === 'custom' ? `custom:${t.name}` : t.kind,
      ),
    ).toEqual(['firstName', 'lastName', 'email', 'custom:leadSource', 'custom:newsletterOptIn', 'ignore']);
  });

  it('refuses mappings that fill one field twice, name unknown fields or leave no name', () => {
    expect(mapColumns(['Email', 'Mail'], fields).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('both map to email'),
        expect.stringContaining('No column gives the record name'),
      ]),
    );
    expect(mapColumns(['Name'], fields, { Name: 'shoeSize' }).problems[0]).toContain('"shoeSize"');
    expect(mapColumns(['Name'], fields, { Missing: 'email' }).problems[0]).toContain('"Missing"');
    expect(parseMapArguments(['A=b', 'x']).problems).toEqual(['"x" is not Column=field']);
    expect(parseMapArguments(['Total = in € = net=budget']).overrides).toEqual({
      'Total = in € = net': 'budget',
    });
  });

  it('reads labels and yes/no words, and lists every reason of a bad row', () => {
    const mapping = mapColumns(
      ['Name', 'Owner', 'Status', 'Lead source', 'Newsletter', 'Renewal date', 'Do not call'],
      fields,
    );
    const good = validateRow(
      ['Ann', 'ANNA@example.com', 'Qualified', 'Website', 'Yes', '2026-02-28', 'tak'],
      2,
      mapping,
      context,
    );
    expect(good).toMatchObject({
      ok: true,
      record: {
        name: 'Ann',
        status: 'qualified',
        doNotCall: true,
        custom: { leadSource: 'web', newsletterOptIn: true, renewal: '2026-02-28' },
      },
    });
    const bad = validateRow(
      ['', 'ghost@example.com', 'won', 'Radio', 'perhaps', '2026-02-30', 'x'],
      7,
      mapping,
      context,
    );
    expect(bad).toEqual({
      ok: false,
      error: {
        row: 7,
        reasons: [
          'owner "ghost@example.com" is not a user you may give records to',
          'do not call: "x" is not yes/no',
          'missing name',
          'A lead can be open, qualified, disqualified; not won',
          'leadSource: "Radio" is not one of: web',
          'newsletterOptIn: "perhaps" is not yes/no',
          'renewal: Expected a date as YYYY-MM-DD',
        ],
      },
    });
  });

  it('parses semicolon files with a BOM and numbers rows from where they start', () => {
    const { header, rows } = parseCsv('\uFEFFName;Notes\r\nAnn;"two\nlines"\r\n\r\nBob;x\r\n');
    expect(header).toEqual(['Name', 'Notes']);
    expect(rows).toEqual([
      { cells: ['Ann', 'two\nlines'], line: 2 },
      { cells: ['Bob', 'x'], line: 5 },
    ]);
  });

  it('checks status changes and JSON custom values', () => {
    expect(statusChangeProblem('opportunity', 'open', 'won')).toBeNull();
    expect(statusChangeProblem('opportunity', 'won', 'open')).toBeNull();
    expect(statusChangeProblem('opportunity', 'won', 'lost')).toContain('reopen');
    expect(coerceCustomValue({ name: 'n', label: 'N', type: 'number' }, '12', 'json')).toMatchObject({
      ok: false,
    });
    expect(coerceCustomValue({ name: 'n', label: 'N', type: 'number' }, '12', 'text')).toEqual({
      ok: true,
      value: 12,
    });
  });
});
