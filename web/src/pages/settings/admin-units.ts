import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { BusinessUnit, Page } from '../../api/types.ts';

export function useUnits() {
  return useQuery({
    queryKey: ['business-units'],
    queryFn: () => api<Page<BusinessUnit>>('GET', '/api/admin/business-units'),
  });
}

export function unitName(units: BusinessUnit[], id: string): string {
  return units.find((unit) => unit.id === id)?.name ?? id;
}
