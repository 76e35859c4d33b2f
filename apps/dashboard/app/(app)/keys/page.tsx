import type { Metadata } from 'next';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { KeysManager } from '@/components/keys-manager';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'API keys' };

export default async function KeysPage() {
  const keys = await settle((await serverApi()).listKeys());
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        Keys let the <code>reslab</code> command line and scripts act as you, with your role in each of your teams. A
        key is shown once, when it is made; ResLab keeps only its hash. Revoke a key you no longer use or may have
        leaked: it stops working at once.
      </p>
      {keys.ok ? <KeysManager initial={keys.data} /> : <ApiFailurePanel failure={keys.failure} />}
    </>
  );
}
