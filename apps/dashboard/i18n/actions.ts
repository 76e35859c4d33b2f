'use server';

import { cookies } from 'next/headers';
import { isAppLocale, LOCALE_COOKIE } from './locales';

/** The language switcher's pick, kept for a year; the page refreshes itself to render in it. */
export async function setLocale(locale: string): Promise<void> {
  if (!isAppLocale(locale)) throw new Error(`locale: expected one of en, ko, got ${JSON.stringify(locale)}`);
  (await cookies()).set(LOCALE_COOKIE, locale, { path: '/', sameSite: 'lax', maxAge: 60 * 60 * 24 * 365 });
}
