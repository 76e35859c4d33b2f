import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { ApiUrlProvider } from '@/components/api-url';
import { browserApiHint } from '@/lib/browser-api';
import './globals.css';

// The browser-side API URL is read from the environment per request (lib/browser-api.ts).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'ResLab', template: '%s · ResLab' },
  description: 'Runs, metrics and sweeps of residual and plain networks.',
};

/**
 * The document. Each part of the site brings its own header: the signed-in pages (`(app)/layout.tsx`) the
 * navigation and the user, /login the name only, share links (`s/`) a read-only banner without navigation.
 */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <ApiUrlProvider hint={browserApiHint()}>{children}</ApiUrlProvider>
      </body>
    </html>
  );
}
