import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = {
  // The token is in the address: keep it out of search engines and out of Referer headers.
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/** Pages opened through a share link: no navigation, nothing but what the link shows. */
export default function SharedLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="site-header">
        <span className="brand">ResLab</span>
        <span className="shared-banner" data-testid="shared-banner">
          Shared read-only link
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
