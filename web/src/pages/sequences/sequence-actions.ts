import { ApiError, api } from '../../api/client.ts';
import type { Sequence, SequenceVersion } from '../../api/types.ts';

export const sequencesKey = ['sequences'] as const;

export function activateSequence(id: string, changeNote: string | null) {
  return api<Sequence>('POST', `/api/sequences/${id}/activate`, changeNote ? { changeNote } : {});
}
export function deactivateSequence(id: string, disconnectRecords = false) {
  return api<Sequence & { disconnected: number }>('POST', `/api/sequences/${id}/deactivate`, {
    disconnectRecords,
  });
}
export function editActiveSequence(id: string) {
  return api<Sequence>('POST', `/api/sequences/${id}/edit`, {});
}
export function copySequence(id: string, name: string) {
  return api<Sequence>('POST', `/api/sequences/${id}/copy`, { name });
}
export function deleteSequence(id: string) {
  return api<void>('DELETE', `/api/sequences/${id}`);
}
/** Applies and removes tags one by one (PUT/DELETE /api/sequences/:id/tags/:tagId). */
export async function setSequenceTags(sequence: Sequence, tagIds: string[]) {
  const before = new Set(tagIdsOf(sequence));
  const after = new Set(tagIds);
  for (const id of after) if (!before.has(id)) await api('PUT', `/api/sequences/${sequence.id}/tags/${id}`);
  for (const id of before)
    if (!after.has(id)) await api('DELETE', `/api/sequences/${sequence.id}/tags/${id}`);
}
export function exportSequence(id: string) {
  return api<unknown>('GET', `/api/sequences/${id}/export`);
}
export function importSequence(document: unknown) {
  return api<Sequence>('POST', '/api/sequences/import', { document });
}
/** A chosen file's text as an import; a file that is not JSON is refused like any other file that is no export. */
export function importSequenceFile(text: string) {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ApiError(422, 'unsupported_format', 'This file is not a Stepwise sequence export.');
  }
  return importSequence(document);
}
export function listVersions(id: string) {
  return api<{ items: SequenceVersion[] }>('GET', `/api/sequences/${id}/versions`);
}

export function tagIdsOf(sequence: Sequence): string[] {
  return sequence.tags.map((tag) => tag.id);
}
