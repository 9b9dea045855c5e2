// Errors from Rust arrive as `{ code, message }` (CommandError). The user reads the Chinese text for
// the code; an unknown code (or a non-command failure) falls back to a generic message.
import type { CommandError } from './types/generated';
import { errorText, t, type MessageKey } from './i18n';

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === 'string' &&
    typeof (value as Record<string, unknown>).message === 'string'
  );
}

/** The stable code of an error, `unknown` if it did not come from a command. */
export function errorCode(err: unknown): string {
  return isCommandError(err) ? err.code : 'unknown';
}

/** What the user reads for an error. */
export function errorMessage(err: unknown): string {
  return (isCommandError(err) ? errorText(err.code) : undefined) ?? t('errors.generic');
}

/** What the user reads when the network's rules refuse an activity or a waiver (codes `network_*`,
 * Chinese in reports.zh-CN.ts); any other error as `errorMessage`. */
export function networkRefusal(err: unknown): string {
  const key = `networkWork.refusal.${errorCode(err)}` as MessageKey;
  const text = t(key);
  return text === key ? errorMessage(err) : text;
}
