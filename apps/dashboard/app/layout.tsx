import type { Metadata } from 'next';
import { NextIntlClientProvider } from 'next-intl';
import { getLocale, getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { ApiUrlProvider } from '@/components/api-url';
import { browserApiHint } from '@/lib/browser-api';
import './globals.css';

// The browser-side API URL is read from the environment per request (lib/browser-api.ts).
export const dynamic = 'force-dynamic';

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('common');
  return { title: { default: 'ResLab', template: '%s · ResLab' }, description: t('siteDescription') };
}

/**
 * The document. Each part of the site brings its own header: the signed-in pages (`(app)/layout.tsx`) the
 * navigation and the user, /login the name only, share links (`s/`) a read-only banner without navigation.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const [locale, t] = await Promise.all([getLocale(), getTranslations('common')]);
  return (
    <html lang={locale}>
      <body>
        <a className="skip-link" href="#main">
          {t('skipToContent')}
        </a>
        <NextIntlClientProvider>
          <ApiUrlProvider hint={browserApiHint()}>{children}</ApiUrlProvider>
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
