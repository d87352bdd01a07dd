import { useQuery } from '@tanstack/react-query';
import type { RecordType } from '../../../src/domain/sequence/definition.ts';
import { CORE_FIELDS, type FieldDefinition } from '../../../src/domain/sequence/fields.ts';
import { api, query } from '../api/client.ts';

/** The record type's custom fields, as `/api/record-fields` lists them. */
export async function fetchRecordFields(recordType: RecordType): Promise<FieldDefinition[]> {
  type RawField = Omit<FieldDefinition, 'options'> & { options?: FieldDefinition['options'] | null };
  const raw = await api<{ items: RawField[] }>('GET', `/api/record-fields${query({ recordType })}`);
  return raw.items.map(({ options, ...field }) => ({
    ...field,
    ...(options ? { options } : {}),
    core: false,
  }));
}

/** Core fields plus the organisation's custom fields, as the API lists them (it may list core ones too). */
export function mergeFields(fields: FieldDefinition[]): FieldDefinition[] {
  const names = new Set(fields.map((f) => f.name));
  return [...CORE_FIELDS.filter((f) => !names.has(f.name)), ...fields];
}

/** Every field a rule on this record type may name (shares the designer's cache). */
export function useRuleFields(recordType: RecordType) {
  return useQuery({
    queryKey: ['designer', 'fields', recordType],
    queryFn: () => fetchRecordFields(recordType),
    staleTime: 60_000,
    select: mergeFields,
  });
}
