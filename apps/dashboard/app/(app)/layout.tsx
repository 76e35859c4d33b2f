import Link from 'next/link';
import type { ReactNode } from 'react';
import { MainNav } from '@/components/main-nav';
import { UserMenu } from '@/components/user-menu';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

/**
 * Pages for signed-in users. proxy.ts has sent the signed-out to /login already; `GET /auth/me` here names the
 * user in the header, and sends a session the orchestrator no longer honours to /login too. While the
 * orchestrator is unreachable the pages still render (they wait out the outage themselves).
 */
export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const me = await settle((await serverApi()).me());
  return (
    <>
      <header className="site-header">
        <Link href="/runs" className="brand">
          ResLab
        </Link>
        <MainNav />
        <UserMenu me={me.ok ? me.data : null} />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
