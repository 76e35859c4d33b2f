import { match } from '@formatjs/intl-localematcher';

/** The dashboard's languages; English is the fallback for any other. */
export const LOCALES = ['en', 'ko'] as const;
export type AppLocale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: AppLocale = 'en';

/** The cookie next-intl's own routing uses for a locale the user picked. */
export const LOCALE_COOKIE = 'NEXT_LOCALE';

export function isAppLocale(value: unknown): value is AppLocale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * `ko-KR,ko;q=0.9,en-US;q=0.8` → `['ko-KR', 'ko', 'en-US']`, most wanted first (RFC 9110 §12.5.4: a missing q
 * is 1, q=0 means "not this one"; equal weights keep the header's order).
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter(({ tag, q }) => tag !== '' && tag !== '*' && Number.isFinite(q) && q > 0 && isLanguageTag(tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ tag }) => tag);
}

/** A well-formed BCP 47 tag: one that is not would make the matcher throw for the whole header. */
function isLanguageTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The user's pick (the cookie) first, else the best match for Accept-Language, else English. */
export function resolveLocale(cookie: string | undefined, acceptLanguage: string | null | undefined): AppLocale {
  if (isAppLocale(cookie)) return cookie;
  const requested = acceptedLanguages(acceptLanguage);
  if (requested.length === 0) return DEFAULT_LOCALE;
  const best = match(requested, LOCALES, DEFAULT_LOCALE);
  return isAppLocale(best) ? best : DEFAULT_LOCALE;
}
