import { useQuery } from '@tanstack/react-query';
import type { Stage } from '../../../src/domain/stages.ts';
import { api } from '../api/client.ts';

/** The organisation's stages (key + display name), from Settings → Stages. */
export function useStages() {
  return useQuery({
    queryKey: ['stages'],
    queryFn: async () => (await api<{ items: Stage[] }>('GET', '/api/stages')).items,
    staleTime: 60_000,
  });
}
