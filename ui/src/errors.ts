// Errors from Rust arrive as `{ code, message, field?, reason? }` (CommandError): a stable code, the
// field refused and the core's typed reason code. This is the one table from those codes to what
// the user reads (the Chinese itself is in the i18n files, under `errors`): the reason's text when
// the core gave one, else the code's, prefixed with the field's name when the error names one. An
// unknown code (or a non-command failure) falls back to a generic message. Never message text.
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

/** The text of `key`, or `undefined` when the catalogue has none. */
function known(key: string): string | undefined {
  const text = t(key as MessageKey);
  return text === key ? undefined : text;
}

/** What the user reads for one of the core's reason codes (e.g. a grid table's problem). */
export function reasonText(reason: string): string {
  return known(`errors.reason.${reason}`) ?? t('errors.invalid_input');
}

/** The name of the field an error names, if it names one the catalogue knows. */
export function errorField(err: unknown): string | undefined {
  return isCommandError(err) && err.field ? known(`errors.field.${err.field}`) : undefined;
}

/** What the user reads for an error: which field is wrong, and why. */
export function errorMessage(err: unknown): string {
  if (!isCommandError(err)) return t('errors.generic');
  const text =
    (err.reason ? known(`errors.reason.${err.reason}`) : undefined) ?? errorText(err.code) ?? t('errors.generic');
  const field = errorField(err);
  return field ? t('errors.inField', { field, text }) : text;
}
