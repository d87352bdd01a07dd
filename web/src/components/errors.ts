import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';

/**
 * Translates one stable API code (ERROR_CODES, or a field problem's code); `missing_permission:<name>` names the
 * permission, `missing_scope:<scope>` the API token scope.
 */
export function codeText(t: TFunction, code: string, fallback?: string): string {
  if (code.startsWith('missing_scope:')) {
    return t('errors:missing_scope', { scope: code.slice('missing_scope:'.length) });
  }
  if (code.startsWith('missing_permission:')) {
    const permission = code.slice('missing_permission:'.length);
    return t('errors:missing_permission', {
      permission: t(`errors:permission.${permission}`, { defaultValue: permission }),
    });
  }
  return t(`errors:${code}`, { defaultValue: fallback ?? t('errors:unknown_error') });
}

/** The user's language for an API error: its stable `code` in the errors namespace, or a generic message. */
export function errorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const forbidden = error.problems.find((problem) => problem.code.startsWith('missing_permission:'));
    return codeText(t, forbidden?.code ?? error.code);
  }
  return t('errors:unknown_error');
}

/** One line per problem of a problem+json response (validation problems, connect refusals). */
export function problemTexts(t: TFunction, error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.problems
    .filter((problem) => !problem.code.startsWith('missing_permission:'))
    .map((problem) => codeText(t, problem.code, problem.message));
}
