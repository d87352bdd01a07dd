import { z } from 'zod';
import type { ErrorCode } from '../../domain/error-codes.ts';
import { ROLES } from '../../domain/identity.ts';
import { countActiveAdmins, type UserWithRoles } from '../../store/repos/admin-repo.ts';
import { HttpProblem, ProblemSchema } from '../problems.ts';

export const AdminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    businessUnitId: z.string(),
    roles: z.array(z.enum(ROLES)),
    active: z.boolean(),
    locale: z.string(),
    timeZone: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'AdminUser' });

export const BusinessUnitSchema = z
  .object({ id: z.string(), name: z.string(), parentId: z.string().nullable(), createdAt: z.number().int() })
  .meta({ id: 'BusinessUnit' });

export const IdParams = z.strictObject({ id: z.string().min(1).max(100) });
export const UnitName = z.string().trim().min(1).max(200);
export const UnitId = z.string().min(1).max(100);

export const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } as const;

export const conflict = (code: ErrorCode, message: string, path: (string | number)[] = []) =>
  new HttpProblem(409, code, message, path.length > 0 ? [{ path, code, message }] : []);

/** Without this rule an org could lock itself out: some active admin must remain. */
export async function ensureAdminRemains(
  trx: Parameters<typeof countActiveAdmins>[0],
  orgId: string,
  user: UserWithRoles,
  next: { roles: string[]; active: boolean },
) {
  const wasAdmin = user.active && user.roles.includes('admin');
  const staysAdmin = next.active && next.roles.includes('admin');
  if (wasAdmin && !staysAdmin && (await countActiveAdmins(trx, orgId, user.id)) === 0) {
    throw conflict('last_admin', 'The organisation needs at least one active admin');
  }
}

/** Users, business units and organisation settings; admins only (`org.manage_org`). */

export function ensureUniqueSiblingName(
  units: { id: string; name: string; parentId: string | null }[],
  name: string,
  parentId: string | null,
  selfId: string | null,
): void {
  const clash = units.some(
    (u) => u.id !== selfId && u.parentId === parentId && u.name.toLowerCase() === name.toLowerCase(),
  );
  if (clash) {
    throw conflict('business_unit_name_taken', 'A unit with this name exists under the same parent', [
      'body',
      'name',
    ]);
  }
}

export function safeObject(json: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function pickKeys<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as Partial<T>;
}
