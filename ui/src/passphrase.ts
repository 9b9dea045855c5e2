// A rough strength hint while the user types; the core enforces the real minimum.
export type Strength = 'weak' | 'fair' | 'strong';

export const MIN_PASSPHRASE_CHARS = 8;

export function passphraseStrength(passphrase: string): Strength {
  const chars = [...passphrase];
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9\s]/, /\s/, /[^\u0000-\u007f]/].filter((re) =>
    re.test(passphrase),
  ).length;
  const distinct = new Set(chars).size;
  if (chars.length < MIN_PASSPHRASE_CHARS || distinct < 4) return 'weak';
  if (chars.length >= 16 || (chars.length >= 12 && classes >= 3)) return 'strong';
  return classes >= 2 || chars.length >= 12 ? 'fair' : 'weak';
}

/** The last group of a recovery key such as `ABCD-EFGH-…-WXYZ`. */
export function lastGroup(recoveryKey: string): string {
  return recoveryKey.trim().split('-').pop() ?? '';
}

/** Whether what the user typed is that last group (case and spaces ignored). */
export function matchesLastGroup(recoveryKey: string, typed: string): boolean {
  const want = lastGroup(recoveryKey).toUpperCase();
  return want.length > 0 && typed.replace(/\s+/g, '').toUpperCase() === want;
}
