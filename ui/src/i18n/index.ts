// A small typed i18n: keys are checked at compile time, English must mirror zh-CN, and nothing is
// compiled at run time (the CSP forbids eval). zh-CN is the default and the fallback.
import { computed, ref } from 'vue';
import zhCnElement from 'element-plus/es/locale/lang/zh-cn';
import enElement from 'element-plus/es/locale/lang/en';
import { zhCN } from './zh-CN';
import { en } from './en';

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof zhCN>;

type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Paths<Messages>;

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly { value: Locale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
];

const catalogs: Record<Locale, Messages> = { 'zh-CN': zhCN, en };
export const locale = ref<Locale>('zh-CN');
export const elementLocale = computed(() => (locale.value === 'en' ? enElement : zhCnElement));

function lookup(messages: Messages, key: string): string | undefined {
  let node: unknown = messages;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** Translates `key`, replacing `{name}` with `params.name`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = lookup(catalogs[locale.value], key) ?? lookup(zhCN, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The message for an error code, if the catalogue has one. */
export function errorText(code: string): string | undefined {
  return lookup(catalogs[locale.value], `errors.${code}`);
}

/** "5 分钟" / "30 秒". */
export function formatDuration(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0
    ? t('duration.minutes', { n: seconds / 60 })
    : t('duration.seconds', { n: seconds });
}
