import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { ApiUrlProvider } from '@/components/api-url';
import { MainNav } from '@/components/main-nav';
import { browserApiHint } from '@/lib/browser-api';
import './globals.css';

// The browser-side API URL is read from the environment per request (lib/browser-api.ts).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'ResLab', template: '%s · ResLab' },
  description: 'Runs, metrics and sweeps of residual and plain networks.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/runs" className="brand">
            ResLab
          </Link>
          <MainNav />
        </header>
        <main id="main" tabIndex={-1}>
          <ApiUrlProvider hint={browserApiHint()}>{children}</ApiUrlProvider>
        </main>
      </body>
    </html>
  );
}
