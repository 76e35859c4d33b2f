import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { MainNav } from '@/components/main-nav';
import './globals.css';

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
          {children}
        </main>
      </body>
    </html>
  );
}
