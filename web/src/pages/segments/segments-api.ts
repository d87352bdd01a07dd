import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  SegmentPreviewInputSchema,
  SegmentPreviewSchema,
} from '../../../../src/api/routes/segment-preview-routes.ts';
import type { SegmentSchema } from '../../../../src/api/routes/segment-routes.ts';
import type { SegmentInput } from '../../../../src/domain/segments/segment.ts';
import type { RecordType } from '../../../../src/domain/sequence/definition.ts';
import { api, query } from '../../api/client.ts';

/** What the segment editor needs from the public API (src/api/routes/segment-routes.ts), type-only. */
export type Segment = z.infer<typeof SegmentSchema>;
export type SegmentPreview = z.infer<typeof SegmentPreviewSchema>;
export type PreviewInput = z.input<typeof SegmentPreviewInputSchema>;
export type { SegmentInput };

export const segmentsKey = ['segments'] as const;

export async function listSegments(): Promise<Segment[]> {
  return (await api<{ items: Segment[] }>('GET', '/api/segments')).items;
}

export function saveSegment(id: string | null, input: SegmentInput): Promise<Segment> {
  return id
    ? api<Segment>('PATCH', `/api/segments/${id}`, input)
    : api<Segment>('POST', '/api/segments', input);
}

export function deleteSegment(id: string): Promise<void> {
  return api<void>('DELETE', `/api/segments/${id}`);
}

export function previewSegment(input: PreviewInput): Promise<SegmentPreview> {
  return api<SegmentPreview>('POST', '/api/segments/preview', input);
}

export interface TargetSequence {
  id: string;
  name: string;
  status: string;
  recordType: RecordType;
}

/** Sequences a segment may connect records to: the active ones (and those being revised), by name. */
export function useTargetSequences(recordType: RecordType | null) {
  return useQuery({
    queryKey: ['segments', 'targets', recordType],
    enabled: recordType !== null,
    queryFn: async () => {
      const lists = await Promise.all(
        (['active', 'revision'] as const).map((status) =>
          api<{ items: TargetSequence[] }>(
            'GET',
            `/api/sequences${query({ status, recordType, limit: 500 })}`,
          ),
        ),
      );
      return lists.flatMap((list) => list.items).sort((a, b) => a.name.localeCompare(b.name));
    },
  });
}

/** Every sequence's name, for the list (a segment's sequence may be of any type or status). */
export function useSequenceNames() {
  return useQuery({
    queryKey: ['segments', 'sequence-names'],
    queryFn: async () => {
      const page = await api<{ items: TargetSequence[] }>('GET', `/api/sequences${query({ limit: 500 })}`);
      return new Map(page.items.map((s) => [s.id, s.name]));
    },
  });
}
