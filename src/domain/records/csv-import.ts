import { parse } from 'csv-parse/sync';
import { isValidTimeZone } from '../identity.ts';
import type { RecordType } from '../sequence/definition.ts';
import type { FieldDefinition } from '../sequence/fields.ts';
import { CORE_ALIASES, CORE_TARGETS, type CoreTarget, normaliseHeader } from './column-targets.ts';
import { type CustomValue, parseFlag, validateCustomValues } from './custom-fields.ts';
import {
  displayName,
  RecordCreateSchema,
  type RecordStatus,
  RecordStatusSchema,
  statusChangeProblem,
} from './record-schemas.ts';

/**
 * CSV import, the pure part: map the header's columns to record fields (automatically by name, with overrides),
 * then check each row and either produce a record to insert or the reasons it cannot be imported. A bad row is
 * reported with its row number (the header is row 1, as in a spreadsheet); it never stops the good rows.
 */

export type ColumnTarget =
  | { kind: 'core'; field: CoreTarget }
  | { kind: 'custom'; name: string }
  | { kind: 'ignore' };

const IGNORE_WORDS = new Set(['', '-', 'ignore', 'skip', 'none']);

/** Resolves the right-hand side of `--map "Column=field"`: a core field (any spelling), a custom field or "ignore". */
export function resolveTarget(text: string, customFields: FieldDefinition[]): ColumnTarget | undefined {
  const key = normaliseHeader(text);
  if (IGNORE_WORDS.has(text.trim().toLowerCase())) return { kind: 'ignore' };
  const custom = customFields.find((field) => field.name === text.trim());
  if (custom) return { kind: 'custom', name: custom.name };
  for (const target of CORE_TARGETS) {
    if (normaliseHeader(target) === key || CORE_ALIASES[target].includes(key))
      return { kind: 'core', field: target };
  }
  const customByKey = customFields.find(
    (field) => normaliseHeader(field.name) === key || normaliseHeader(field.label) === key,
  );
  return customByKey ? { kind: 'custom', name: customByKey.name } : undefined;
}

export interface ColumnMapping {
  /** One entry per CSV column, in order. */
  targets: ColumnTarget[];
  /** Headers that map to nothing (reported, their cells are not imported). */
  ignored: string[];
  /** Mapping mistakes that stop the import before any row is read (e.g. an override naming an unknown field). */
  problems: string[];
}

/**
 * Maps each header to a field: an override (`{ "E-mail address": "email" }`) wins, otherwise the header's name
 * (core fields by their usual spellings, custom fields by name or label). Two columns may not fill one field.
 */
export function mapColumns(
  header: string[],
  customFields: FieldDefinition[],
  overrides: Record<string, string> = {},
): ColumnMapping {
  const problems: string[] = [];
  const normalisedHeader = header.map((column) => column.trim());
  for (const column of Object.keys(overrides)) {
    if (!normalisedHeader.includes(column.trim()))
      problems.push(`The mapping names a column "${column}" that the file does not have`);
  }
  const overrideFor = new Map(Object.entries(overrides).map(([column, field]) => [column.trim(), field]));
  const targets: ColumnTarget[] = [];
  const ignored: string[] = [];
  const used = new Map<string, string>();
  for (const column of normalisedHeader) {
    const override = overrideFor.get(column);
    let target: ColumnTarget | undefined;
    if (override !== undefined) {
      target = resolveTarget(override, customFields);
      if (!target) {
        problems.push(
          `Column "${column}" is mapped to "${override}", which is not a field of this record type`,
        );
        target = { kind: 'ignore' };
      }
    } else {
      target = resolveTarget(column, customFields) ?? { kind: 'ignore' };
      if (target.kind === 'ignore') ignored.push(column);
    }
    if (target.kind !== 'ignore') {
      const key = target.kind === 'core' ? target.field : `custom:${target.name}`;
      const previous = used.get(key);
      if (previous !== undefined) {
        problems.push(
          `Columns "${previous}" and "${column}" both map to ${key}; map one of them to "ignore"`,
        );
      }
      used.set(key, column);
    }
    targets.push(target);
  }
  const hasName = targets.some(
    (target) =>
      target.kind === 'core' &&
      (target.field === 'name' || target.field === 'firstName' || target.field === 'lastName'),
  );
  if (!hasName)
    problems.push('No column gives the record name (map one to "name", "firstName" or "lastName")');
  return { targets, ignored, problems };
}

export interface OwnerRef {
  id: string;
  businessUnitId: string;
}

/** The one answer for an owner cell that names no user, or one the importer may not give records to. */
export function ownerUnavailable(ownerText: string): string {
  return `owner "${ownerText}" is not a user you may give records to`;
}

export interface RowContext {
  type: RecordType;
  customFields: FieldDefinition[];
  /** Active users of the organisation, by lower-case email and by id. */
  owners: Map<string, OwnerRef>;
  /** Owner of rows without an owner cell; null: such rows are refused. */
  defaultOwner: OwnerRef | null;
  /** Null when the importer may make `owner` the record's owner, else the reason not. */
  ownerRefusal: (owner: OwnerRef) => string | null;
}

export interface ImportRecord {
  type: RecordType;
  name: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  email: string | null;
  phoneBusiness: string | null;
  phoneMobile: string | null;
  timeZone: string | null;
  status: RecordStatus;
  stage: string | null;
  ownerId: string;
  businessUnitId: string;
  doNotEmail: boolean;
  doNotCall: boolean;
  custom: Record<string, CustomValue>;
}

export interface RowError {
  /** Spreadsheet row number: the header is row 1, the first data row is row 2. */
  row: number;
  /** Why the row was not imported, one reason per problem. */
  reasons: string[];
}

export type RowResult = { ok: true; record: ImportRecord } | { ok: false; error: RowError };

const FIELD_LABEL: Record<string, string> = {
  name: 'name',
  firstName: 'first name',
  lastName: 'last name',
  company: 'company',
  jobTitle: 'job title',
  email: 'email',
  phoneBusiness: 'business phone',
  phoneMobile: 'mobile phone',
  timeZone: 'time zone',
  status: 'status',
  stage: 'stage',
};

const zoneMemo = new Map<string, boolean>();
function validZone(zone: string): boolean {
  let valid = zoneMemo.get(zone);
  if (valid === undefined) {
    valid = isValidTimeZone(zone);
    if (zoneMemo.size < 10_000) zoneMemo.set(zone, valid);
  }
  return valid;
}

/** Checks one data row (cells in header order) and builds the record to insert, or lists every problem. */
export function validateRow(
  cells: string[],
  rowNumber: number,
  mapping: ColumnMapping,
  context: RowContext,
): RowResult {
  const core: Partial<Record<CoreTarget, string>> = {};
  const custom: Record<string, string> = {};
  mapping.targets.forEach((target, index) => {
    const cell = cells[index];
    if (cell === undefined) return;
    if (target.kind === 'core') core[target.field] = cell;
    else if (target.kind === 'custom') custom[target.name] = cell;
  });
  const reasons: string[] = [];

  let owner = context.defaultOwner;
  const ownerText = core.owner?.trim();
  if (ownerText) {
    const found = context.owners.get(ownerText.toLowerCase()) ?? context.owners.get(ownerText);
    // No such user and a user the importer may not give records to (e.g. of another business unit) read the
    // same, so the owner column cannot be used to find out who has an account elsewhere in the organisation.
    owner = found && context.ownerRefusal(found) === null ? found : null;
    if (!owner) reasons.push(ownerUnavailable(ownerText));
  } else if (!owner) {
    reasons.push('no owner (fill the owner column or choose a default owner)');
  } else {
    const refusal = context.ownerRefusal(owner);
    if (refusal) reasons.push(refusal);
  }

  const flag = (target: 'doNotEmail' | 'doNotCall'): boolean | undefined => {
    const text = core[target]?.trim();
    if (!text) return false;
    const value = parseFlag(text);
    if (value === undefined)
      reasons.push(`${target === 'doNotEmail' ? 'do not email' : 'do not call'}: "${text}" is not yes/no`);
    return value;
  };
  const doNotEmail = flag('doNotEmail');
  const doNotCall = flag('doNotCall');

  const statusText = core.status?.trim().toLowerCase();
  const parsed = RecordCreateSchema.safeParse({
    type: context.type,
    name: core.name?.trim() ? core.name : undefined,
    firstName: core.firstName,
    lastName: core.lastName,
    company: core.company,
    jobTitle: core.jobTitle,
    email: core.email?.trim() ?? undefined,
    phoneBusiness: core.phoneBusiness,
    phoneMobile: core.phoneMobile,
    // Checked below with a memo: Luxon's zone check costs ~0.2 ms, too much for 10,000 rows.
    status: statusText ? statusText : undefined,
    stage: core.stage,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name');
      if (field === 'name' && issue.code === 'custom') reasons.push('missing name');
      else if (field === 'email') reasons.push(`invalid email "${core.email?.trim()}"`);
      else if (field === 'status') reasons.push(`unknown status "${statusText}"`);
      else reasons.push(`${FIELD_LABEL[field] ?? field}: ${issue.message}`);
    }
  }
  const status = RecordStatusSchema.safeParse(statusText);
  if (status.success) {
    const problem = statusChangeProblem(context.type, null, status.data);
    if (problem) reasons.push(problem);
  }
  const timeZone = core.timeZone?.trim() || null;
  if (timeZone && !validZone(timeZone)) {
    reasons.push(`bad time zone "${timeZone}" (use an IANA zone such as Europe/Warsaw)`);
  }
  const customResult = validateCustomValues(context.customFields, custom, 'text');
  for (const problem of customResult.problems) reasons.push(`${problem.name}: ${problem.message}`);

  if (reasons.length > 0 || !parsed.success || !owner)
    return { ok: false, error: { row: rowNumber, reasons } };
  const input = parsed.data;
  const values = Object.fromEntries(
    Object.entries(customResult.values).filter(([, value]) => value !== null),
  );
  return {
    ok: true,
    record: {
      type: context.type,
      name: displayName(input),
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      company: input.company ?? null,
      jobTitle: input.jobTitle ?? null,
      email: input.email ?? null,
      phoneBusiness: input.phoneBusiness ?? null,
      phoneMobile: input.phoneMobile ?? null,
      timeZone,
      status: input.status ?? 'open',
      stage: input.stage ?? null,
      ownerId: owner.id,
      businessUnitId: owner.businessUnitId,
      doNotEmail: doNotEmail ?? false,
      doNotCall: doNotCall ?? false,
      custom: values,
    },
  };
}

/** Reads `--map "Column=field"` arguments (the last `=` separates, so column names may contain "="). */
export function parseMapArguments(args: string[]): { overrides: Record<string, string>; problems: string[] } {
  const overrides: Record<string, string> = {};
  const problems: string[] = [];
  for (const arg of args) {
    const at = arg.lastIndexOf('=');
    if (at <= 0) {
      problems.push(`"${arg}" is not Column=field`);
      continue;
    }
    overrides[arg.slice(0, at).trim()] = arg.slice(at + 1).trim();
  }
  return { overrides, problems };
}

export interface CsvRow {
  cells: string[];
  /** The line where the row starts (the header is line 1). */
  line: number;
}

/**
 * Parses CSV text (comma, semicolon or tab separated, detected from the header line; UTF-8 with or without BOM).
 * Blank lines are skipped; rows may have fewer or more cells than the header.
 */
export function parseCsv(text: string): { header: string[]; rows: CsvRow[] } {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [',', ';', '\t'].reduce((best, candidate) =>
    firstLine.split(candidate).length > firstLine.split(best).length ? candidate : best,
  );
  const parsed = parse(text, {
    bom: true,
    delimiter,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [head, ...body] = parsed;
  return {
    header: head ? head.record.map((cell) => cell.trim()) : [],
    rows: body.map(({ record, info }) => ({
      cells: record,
      line: info.lines - record.reduce((count, cell) => count + (cell.match(/\n/g)?.length ?? 0), 0),
    })),
  };
}
