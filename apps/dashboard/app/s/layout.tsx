import type { Metadata } from 'next';
import { useTranslations } from 'next-intl';
import type { ReactNode } from 'react';
import { LanguageSwitcher } from '@/components/language-switcher';

export const metadata: Metadata = {
  // The token is in the address: keep it out of search engines and out of Referer headers.
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/** Pages opened through a share link: no navigation, nothing but what the link shows. */
export default function SharedLayout({ children }: { children: ReactNode }) {
  const t = useTranslations('nav');
  return (
    <>
      <header className="site-header">
        <span className="brand">ResLab</span>
        <span className="shared-banner" data-testid="shared-banner">
          {t('sharedBanner')}
        </span>
        <LanguageSwitcher />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
