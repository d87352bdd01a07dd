import { useQuery } from '@tanstack/react-query';
import type { RecordType, SequenceDefinition } from '../../../src/domain/sequence/definition.ts';
import type { SequenceStatus } from '../../../src/domain/sequence/lifecycle.ts';
import type { ValidationProblem } from '../../../src/domain/sequence/validate.ts';
import { api, query } from '../api/client.ts';
import { useStages } from '../app/stages.ts';
import { fetchRecordFields } from '../components/rule-fields.ts';

/** What the designer needs from the public API (src/api/routes/sequence-routes.ts), in one place. */

export interface DesignerProblem {
  code: string;
  nodeId: string | null;
  message: string;
}

export interface SequenceView {
  id: string;
  name: string;
  description: string;
  recordType: RecordType;
  status: SequenceStatus;
  ownerId: string;
  draft: SequenceDefinition;
  activeVersion: number | null;
  problems: DesignerProblem[];
  /** Whether the server said the user may edit; undefined when it does not say (the page decides by role). */
  canEdit: boolean | undefined;
  canActivate: boolean | undefined;
  /** Names the stored draft: a save sends it back, so a colleague's save in between is not overwritten. */
  draftTag: string | undefined;
}

interface RawSequence {
  id: string;
  name: string;
  description?: string | null;
  recordType: RecordType;
  status: SequenceStatus;
  ownerId: string;
  draft?: SequenceDefinition;
  definition?: SequenceDefinition;
  activeVersion?: number | { version: number } | null;
  problems?: DesignerProblem[];
  canEdit?: boolean;
  permissions?: { edit?: boolean; activate?: boolean };
  draftTag?: string;
}

function toView(raw: RawSequence): SequenceView {
  const version = raw.activeVersion;
  return {
    id: raw.id,
    name: raw.name,
    description: raw.description ?? '',
    recordType: raw.recordType,
    status: raw.status,
    ownerId: raw.ownerId,
    draft: (raw.draft ?? raw.definition)!,
    activeVersion: typeof version === 'number' ? version : (version?.version ?? null),
    problems: raw.problems ?? [],
    canEdit: raw.canEdit ?? raw.permissions?.edit,
    canActivate: raw.permissions?.activate,
    draftTag: raw.draftTag,
  };
}

export async function fetchSequence(id: string): Promise<SequenceView> {
  return toView(await api<RawSequence>('GET', `/api/sequences/${encodeURIComponent(id)}`));
}

/** Saves the draft the editor started from `draftTag`; a newer save by someone else is refused (draft_changed). */
export async function saveDraft(
  id: string,
  definition: SequenceDefinition,
  draftTag: string | undefined,
): Promise<{ problems: DesignerProblem[]; draftTag: string | undefined }> {
  const saved = await api<{ problems?: DesignerProblem[]; draftTag?: string } | undefined>(
    'PUT',
    `/api/sequences/${encodeURIComponent(id)}/definition`,
    definition,
    draftTag ? { 'if-match': `"${draftTag}"` } : {},
  );
  return { problems: saved?.problems ?? [], draftTag: saved?.draftTag };
}

export async function activate(id: string, changeNote: string | null): Promise<void> {
  await api('POST', `/api/sequences/${encodeURIComponent(id)}/activate`, changeNote ? { changeNote } : {});
}

export async function startRevision(id: string): Promise<void> {
  await api('POST', `/api/sequences/${encodeURIComponent(id)}/edit`, {});
}

export interface VersionSummary {
  version: number;
  changeNote: string | null;
  createdAt: number;
  createdBy: string | null;
  createdByName?: string | null;
}

export async function fetchVersions(id: string): Promise<VersionSummary[]> {
  const raw = await api<{ items?: VersionSummary[]; versions?: VersionSummary[] } | VersionSummary[]>(
    'GET',
    `/api/sequences/${encodeURIComponent(id)}/versions`,
  );
  const list = Array.isArray(raw) ? raw : (raw.items ?? raw.versions ?? []);
  return [...list].sort((a, b) => b.version - a.version);
}

export async function fetchVersion(id: string, version: number): Promise<SequenceDefinition> {
  const raw = await api<{ definition: SequenceDefinition }>(
    'GET',
    `/api/sequences/${encodeURIComponent(id)}/versions/${version}`,
  );
  return raw.definition;
}

export interface TemplateSummary {
  id: string;
  name: string;
  language: string;
  recordType?: RecordType | null;
  subject?: string;
  bodyHtml?: string;
}

async function fetchTemplates(): Promise<TemplateSummary[]> {
  const raw = await api<{ items: TemplateSummary[] }>('GET', `/api/email-templates${query({ limit: 500 })}`);
  return raw.items;
}

export interface TemplatePreview {
  subject: string;
  html: string;
  missing?: string[];
}

export async function previewTemplate(templateId: string, recordId: string): Promise<TemplatePreview> {
  return api<TemplatePreview>('POST', `/api/email-templates/${encodeURIComponent(templateId)}/preview`, {
    recordId,
  });
}

export interface SequenceSummary {
  id: string;
  name: string;
  status: SequenceStatus;
  recordType: RecordType;
}

/** Sequences that can be advanced to: live ones (active, or active with a revision open) of the record type. */
async function fetchActiveSequences(recordType: RecordType): Promise<SequenceSummary[]> {
  const [active, revision] = await Promise.all(
    (['active', 'revision'] as const).map((status) =>
      api<{ items: SequenceSummary[] }>('GET', `/api/sequences${query({ status, recordType, limit: 500 })}`),
    ),
  );
  return [...active!.items, ...revision!.items].sort((a, b) => a.name.localeCompare(b.name));
}

export interface RecordOption {
  id: string;
  name: string;
  email: string | null;
}

/** A few records of the type, to preview a template with real data. */
export async function fetchPreviewRecords(recordType: RecordType): Promise<RecordOption[]> {
  const raw = await api<{ items: RecordOption[] }>(
    'GET',
    `/api/records${query({ type: recordType, limit: 20 })}`,
  );
  return raw.items;
}

const EMPTY: never[] = [];

/**
 * Lookups the properties panel and the live validation share. When one cannot be loaded, the problems that
 * depend on it are left to the server (`unchecked`) instead of being reported wrongly in the browser.
 */
export function useDesignerLookups(recordType: RecordType | undefined) {
  const enabled = recordType !== undefined;
  const templates = useQuery({
    queryKey: ['designer', 'templates'],
    queryFn: fetchTemplates,
    staleTime: 30_000,
  });
  const fields = useQuery({
    queryKey: ['designer', 'fields', recordType],
    queryFn: () => fetchRecordFields(recordType!),
    enabled,
    staleTime: 60_000,
  });
  const sequences = useQuery({
    queryKey: ['designer', 'active-sequences', recordType],
    queryFn: () => fetchActiveSequences(recordType!),
    enabled,
    staleTime: 30_000,
  });
  const stages = useStages();
  const settled = (q: { isSuccess: boolean; isError: boolean }) => q.isSuccess || q.isError;
  const unchecked: string[] = [];
  if (templates.isError) unchecked.push('template_missing', 'ab_variant_template_missing');
  if (fields.isError) unchecked.push('field_unknown', 'field_operator_mismatch', 'field_value_mismatch');
  if (sequences.isError) unchecked.push('advance_target_missing', 'advance_target_inactive');
  return {
    ready: settled(templates) && settled(fields) && settled(sequences),
    unchecked: unchecked.join(','),
    templates: templates.data ?? EMPTY,
    fields: fields.data ?? EMPTY,
    sequences: sequences.data ?? EMPTY,
    stages: stages.data ?? EMPTY,
  };
}

export type { ValidationProblem };
