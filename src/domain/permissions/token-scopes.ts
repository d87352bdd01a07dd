import type { Actor, TokenScope } from '../identity.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope an HTTP method needs from an API token: reading needs `read`, any other method `write`. */
export function scopeForMethod(method: string): Extract<TokenScope, 'read' | 'write'> {
  return READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write';
}

/** True for signed-in sessions (no token, no limit beyond roles) and for tokens that carry the scope. */
export function hasScope(actor: Actor, scope: TokenScope): boolean {
  return actor.tokenScopes === undefined || actor.tokenScopes.includes(scope);
}
