import { cookies, headers } from 'next/headers';
import { getRequestConfig } from 'next-intl/server';
import { messages } from '@/messages';
import { LOCALE_COOKIE, resolveLocale } from './locales';

/**
 * next-intl "without i18n routing": one URL per page in every language; the locale comes from the request
 * (the NEXT_LOCALE cookie, else Accept-Language). Times are shown in UTC on every server and in every browser,
 * as before, so a run's start reads the same to everyone looking at it.
 */
export default getRequestConfig(async () => {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value, (await headers()).get('accept-language'));
  return { locale, messages: messages[locale], timeZone: 'UTC' };
});
