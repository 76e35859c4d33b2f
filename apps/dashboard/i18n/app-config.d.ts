import type { messages } from '@/messages';
import type { AppLocale } from './locales';

// Typed keys: `t('nav.runs')` with a key missing from the English catalogue fails the type check.
declare module 'next-intl' {
  interface AppConfig {
    Locale: AppLocale;
    Messages: (typeof messages)['en'];
  }
}
