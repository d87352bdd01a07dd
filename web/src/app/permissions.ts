import type { OrgAction } from '../../../src/domain/permissions/permissions.ts';
import type { Sequence } from '../api/types.ts';
import { hasRole, type Me } from './session.tsx';

type SequenceAction = 'edit' | 'activate' | 'delete' | 'connect' | 'copy';

/**
 * Whether to offer an action. The server decides (a refusal comes back as a translated 403); this only hides
 * buttons the user could not use: the owner, sequence managers and admins manage, everyone who sees may connect.
 */
export function mayOnSequence(me: Me | null, sequence: Sequence, action: SequenceAction): boolean {
  const given = sequence.permissions?.[action];
  if (given !== undefined) return given;
  if (action === 'connect' || action === 'copy') return true;
  return !!me && (me.userId === sequence.ownerId || hasRole(me, 'sequence_manager', 'admin'));
}

export function mayManageTags(me: Me | null): boolean {
  return mayInOrg(me, 'manage_tags');
}

/**
 * An organisation-wide permission as the server decided it for `/api/me`. `create_sequence` also stands for
 * connecting records and copying sequences (the sequences feature may be restricted to some roles).
 */
export function mayInOrg(me: Me | null, action: OrgAction): boolean {
  return me?.permissions?.[action] ?? false;
}

export function isAdmin(me: Me | null): boolean {
  return hasRole(me, 'admin');
}
