import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect } from 'react';
import type { OrgAction } from '../../../src/domain/permissions/permissions.ts';
import { ApiError, api, setCsrfToken } from '../api/client.ts';
import i18n, { LANGUAGES, type Language } from '../i18n/index.ts';

export interface Me {
  userId: string;
  orgId: string;
  businessUnitId: string;
  /** Sent by newer servers; the header shows it next to the user. */
  businessUnitName?: string;
  name: string;
  email: string;
  locale: string;
  roles: string[];
  csrfToken: string | null;
  /** Organisation-wide permissions from `/api/me` (the domain's `orgPermissions`). */
  permissions?: Partial<Record<OrgAction, boolean>>;
}

interface SessionValue {
  me: Me | null;
  loading: boolean;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionValue>({ me: null, loading: true, refresh: async () => {} });

async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api<Me>('GET', '/api/me');
    setCsrfToken(me.csrfToken);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Who is signed in; the UI language follows the user's profile. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({ queryKey: ['me'], queryFn: fetchMe, staleTime: 60_000 });
  const me = query.data ?? null;
  useEffect(() => {
    if (me && (LANGUAGES as readonly string[]).includes(me.locale) && i18n.language !== me.locale) {
      void i18n.changeLanguage(me.locale as Language);
    }
    document.documentElement.lang = i18n.language;
  }, [me]);
  const value: SessionValue = {
    me,
    loading: query.isPending,
    refresh: async () => {
      await client.invalidateQueries();
      await query.refetch();
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  return useContext(SessionContext);
}

export function hasRole(me: Me | null, ...roles: string[]): boolean {
  return !!me && me.roles.some((role) => roles.includes(role));
}
