export const ROLES = ['seller', 'sequence_manager', 'sales_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: the signed-in user or the owner of an API token, with what the permission rules need. */
export interface Actor {
  orgId: string;
  userId: string;
  businessUnitId: string;
  roles: Role[];
  name: string;
  email: string;
  locale: string;
}
