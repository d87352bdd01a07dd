import type { Actor } from '../identity.ts';
import type { Decision } from '../permissions/permissions.ts';

/**
 * Email templates belong to the organisation: everyone reads them; their author, sequence managers and admins
 * change them; built-in templates are read-only (copy one to change it).
 */
export type EmailTemplateAction = 'view' | 'edit' | 'delete';

export function decideEmailTemplate(
  actor: Actor,
  action: EmailTemplateAction,
  template: { ownerId: string | null; builtin: boolean },
): Decision {
  if (action === 'view') return { allowed: true };
  if (template.builtin) {
    return {
      allowed: false,
      visible: true,
      permission: `email_template.${action}`,
      reason: 'Built-in templates are read-only; create your own template from it instead',
    };
  }
  const manager = actor.roles.some((role) => role === 'sequence_manager' || role === 'admin');
  if (manager || template.ownerId === actor.userId) return { allowed: true };
  return {
    allowed: false,
    visible: true,
    permission: `email_template.${action}`,
    reason: 'Only the author, a sequence manager or an admin may change this template',
  };
}
