import type { Actor, Role } from '../identity.ts';
import { hasScope } from './token-scopes.ts';

/**
 * Who may do what (SPEC.md §4), as pure decisions. Routes ask here and turn a refusal into a 404 when the
 * resource is not even visible to the actor (so its existence does not leak) or a 403 naming the permission.
 */
export interface BusinessUnitNode {
  id: string;
  parentId: string | null;
}

/** What the permission rules read of a user: enough to decide for someone who is not the one asking. */
export type Principal = Pick<Actor, 'userId' | 'businessUnitId' | 'roles'>;

export interface OrgPolicy {
  businessUnits: BusinessUnitNode[];
  /** null: the sequences feature is open to every role; otherwise only these roles may create or connect. */
  featureRoles: Role[] | null;
}

export interface SequenceRef {
  ownerId: string;
  businessUnitId: string;
  sharedWithUserIds: string[];
  sharedWithBusinessUnitIds: string[];
}

export interface RecordRef {
  ownerId: string;
  businessUnitId: string;
  /**
   * The actor holds an open step (due, upcoming or waiting) of this record: they may view it and work it, while the
   * record is in their branch of the business-unit tree.
   */
  assignedToActor?: boolean;
}

export type SequenceAction =
  | 'view'
  | 'connect'
  | 'copy'
  | 'edit'
  | 'activate'
  | 'deactivate'
  | 'delete'
  | 'apply_tags'
  | 'share';
/** `act`: work the record's steps (complete, skip, snooze…); `connect`: connect it to a sequence. */
export type RecordAction = 'view' | 'edit' | 'connect' | 'act';
export const ORG_ACTIONS = [
  'create_sequence',
  'manage_tags',
  'view_reports',
  'manage_org',
  'view_audit',
  'manage_segments',
] as const;
export type OrgAction = (typeof ORG_ACTIONS)[number];

export type Decision =
  | { allowed: true }
  | { allowed: false; visible: boolean; permission: string; reason: string };

const ALLOW: Decision = { allowed: true };
/** The permission named when an admin's API token lacks the `admin` scope (the API answers insufficient_scope). */
export const ADMIN_SCOPE_PERMISSION = 'token_scope.admin';
const hasRole = (actor: Principal, ...roles: Role[]) => actor.roles.some((role) => roles.includes(role));
const isAdmin = (actor: Principal) => hasRole(actor, 'admin');

/** True when `businessUnitId` is `ancestorId` or lies below it in the tree. */
export function isWithinUnit(policy: OrgPolicy, ancestorId: string, businessUnitId: string): boolean {
  const parents = new Map(policy.businessUnits.map((unit) => [unit.id, unit.parentId]));
  let current: string | null | undefined = businessUnitId;
  for (let depth = 0; current && depth < 64; depth++) {
    if (current === ancestorId) return true;
    current = parents.get(current);
  }
  return false;
}

/** Whether the sequences feature (create, connect, copy) is open to the actor's roles. */
export function featureOpenTo(actor: Principal, policy: OrgPolicy): boolean {
  return (
    policy.featureRoles === null ||
    isAdmin(actor) ||
    actor.roles.some((r) => policy.featureRoles!.includes(r))
  );
}

function refuse(visible: boolean, permission: string, reason: string): Decision {
  return { allowed: false, visible, permission, reason };
}

export function decideSequence(
  actor: Principal,
  policy: OrgPolicy,
  action: SequenceAction,
  sequence: SequenceRef,
): Decision {
  const owner = sequence.ownerId === actor.userId;
  const shared =
    sequence.sharedWithUserIds.includes(actor.userId) ||
    sequence.sharedWithBusinessUnitIds.some((unit) => isWithinUnit(policy, unit, actor.businessUnitId));
  // Sequences are visible within the owner's business unit (and to managers of a unit above it).
  const visible =
    isAdmin(actor) ||
    owner ||
    shared ||
    sequence.businessUnitId === actor.businessUnitId ||
    (hasRole(actor, 'sequence_manager', 'sales_manager') &&
      isWithinUnit(policy, actor.businessUnitId, sequence.businessUnitId));
  if (!visible) return refuse(false, `sequence.${action}`, 'The sequence belongs to another business unit');
  switch (action) {
    case 'view':
      return ALLOW;
    case 'connect':
    case 'copy':
      return featureOpenTo(actor, policy)
        ? ALLOW
        : refuse(true, `sequence.${action}`, 'Sequences are restricted to other roles in this organisation');
    case 'apply_tags':
      return ALLOW;
    case 'edit':
    case 'activate':
    case 'deactivate':
    case 'delete':
    case 'share':
      return owner || shared || hasRole(actor, 'sequence_manager', 'admin')
        ? ALLOW
        : refuse(true, `sequence.${action}`, 'Only the owner, a sequence manager or an admin may do this');
  }
}

export function decideRecord(
  actor: Actor,
  policy: OrgPolicy,
  action: RecordAction,
  record: RecordRef,
): Decision {
  const owner = record.ownerId === actor.userId;
  const manages =
    hasRole(actor, 'sales_manager', 'sequence_manager') &&
    isWithinUnit(policy, actor.businessUnitId, record.businessUnitId);
  const visible = isAdmin(actor) || owner || manages;
  // An assigned step counts only while it could be handed to the actor now (the assign route's rule): the record
  // in the actor's branch of the unit tree. A record or an assignee moved to another unit ends it.
  const assigned =
    record.assignedToActor === true &&
    (isWithinUnit(policy, actor.businessUnitId, record.businessUnitId) ||
      isWithinUnit(policy, record.businessUnitId, actor.businessUnitId));
  if (!visible && !assigned) {
    return refuse(false, `record.${action}`, 'The record is not yours');
  }
  // An assignee who is not otherwise entitled sees the record and works its steps, nothing more.
  if (!visible) {
    return action === 'view' || action === 'act'
      ? ALLOW
      : refuse(true, `record.${action}`, 'A step of this record is assigned to you; the record is not yours');
  }
  switch (action) {
    case 'view':
    case 'edit':
    case 'act':
      return ALLOW;
    case 'connect':
      if (!featureOpenTo(actor, policy)) {
        return refuse(true, 'record.connect', 'Sequences are restricted to other roles in this organisation');
      }
      return owner || isAdmin(actor) || manages
        ? ALLOW
        : refuse(true, 'record.connect', 'A seller can connect only records they own');
  }
}

export function decideOrg(actor: Actor, policy: OrgPolicy, action: OrgAction): Decision {
  switch (action) {
    case 'create_sequence':
      return featureOpenTo(actor, policy)
        ? ALLOW
        : refuse(true, 'sequence.create', 'Sequences are restricted to other roles in this organisation');
    case 'manage_tags':
      return hasRole(actor, 'sequence_manager', 'admin')
        ? ALLOW
        : refuse(true, 'tag.manage', 'Only sequence managers and admins create, rename or delete tags');
    case 'view_reports':
      return hasRole(actor, 'sales_manager', 'sequence_manager', 'admin')
        ? ALLOW
        : refuse(true, 'reports.view', 'Reports are for sales managers, sequence managers and admins');
    case 'manage_segments':
      // Segments connect records across the organisation (src/domain/segments/segment.ts).
      return hasRole(actor, 'sequence_manager', 'admin')
        ? ALLOW
        : refuse(true, 'segment.manage', 'Only sequence managers and admins manage segments');
    case 'manage_org':
    case 'view_audit':
      if (!isAdmin(actor)) return refuse(true, `org.${action}`, 'Only admins may do this');
      // Organisation management is the one thing an admin's API token needs the `admin` scope for.
      return hasScope(actor, 'admin')
        ? ALLOW
        : refuse(true, ADMIN_SCOPE_PERMISSION, 'This API token does not have the "admin" scope');
  }
}

/** Every organisation-wide permission of the actor, for the UI to hide what it could not use (`/api/me`). */
export function orgPermissions(actor: Actor, policy: OrgPolicy): Record<OrgAction, boolean> {
  const entries = ORG_ACTIONS.map((action) => [action, decideOrg(actor, policy, action).allowed] as const);
  return Object.fromEntries(entries) as Record<OrgAction, boolean>;
}
