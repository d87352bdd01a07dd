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
  return hasRole(me, 'sequence_manager', 'admin');
}

export function isAdmin(me: Me | null): boolean {
  return hasRole(me, 'admin');
}
