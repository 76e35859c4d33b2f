import { apiBaseUrl } from '@/lib/api-client';

/**
 * How the browser reaches the orchestrator (socket.io and the few REST calls a
 * page makes itself), decided on the server for each request so one build runs
 * anywhere: NEXT_PUBLIC_RESLAB_API_URL when set, else the page's own host on
 * the port of RESLAB_API_URL (4000 by default). The name is looked up
 * dynamically so Next.js does not freeze the build-time value into the server.
 * Only the address: the browser's REST calls go through lib/api-client.ts like the server's.
 */
export interface BrowserApiHint {
  url: string | null;
  port: string;
}

export function browserApiHint(): BrowserApiHint {
  const name = 'NEXT_PUBLIC_RESLAB_API_URL';
  const configured = process.env[name]?.trim();
  let port = '4000';
  try {
    const server = new URL(apiBaseUrl());
    port = server.port || (server.protocol === 'https:' ? '443' : '80');
  } catch {
    // Keep the default port; the server-side client reports the bad URL itself.
  }
  return { url: configured ? configured.replace(/\/+$/, '') : null, port };
}
