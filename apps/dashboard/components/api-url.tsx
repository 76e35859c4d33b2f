'use client';

import { createContext, type ReactNode, useContext, useMemo, useSyncExternalStore } from 'react';
import { type ApiClient, apiClient } from '@/lib/api-client';
import type { BrowserApiHint } from '@/lib/browser-api';
import { loginPath } from '@/lib/session';
import type { StreamConnection } from '@/lib/stream-client';

const ApiHintContext = createContext<BrowserApiHint>({ url: null, port: '4000' });
/** The token of the share link this page was opened with; null on the signed-in pages. */
const ShareTokenContext = createContext<string | null>(null);

export function ApiUrlProvider({ hint, children }: { hint: BrowserApiHint; children: ReactNode }) {
  return <ApiHintContext.Provider value={hint}>{children}</ApiHintContext.Provider>;
}

/**
 * Marks a subtree as opened through a share link: its API calls and its socket present the link's token
 * instead of the session cookie, and the views inside it are read-only (`useReadOnly`).
 */
export function ShareAccess({ token, children }: { token: string; children: ReactNode }) {
  return <ShareTokenContext.Provider value={token}>{children}</ShareTokenContext.Provider>;
}

const never = () => () => {};

/**
 * The orchestrator's base URL as this browser reaches it. The server cannot know
 * the page's host, so it renders with 127.0.0.1 and the browser re-renders with
 * its own host right after hydration (useSyncExternalStore's server snapshot).
 */
export function useApiUrl(): string {
  const hint = useContext(ApiHintContext);
  return useSyncExternalStore(
    never,
    () => hint.url ?? `${window.location.protocol}//${window.location.hostname}:${hint.port}`,
    () => hint.url ?? `http://127.0.0.1:${hint.port}`,
  );
}

export function useShareToken(): string | null {
  return useContext(ShareTokenContext);
}

/** True on a share page: no cancel, retry, share or launch, and no links to pages the link does not open. */
export function useReadOnly(): boolean {
  return useShareToken() !== null;
}

/** Back to /login, to return here once signed in. */
function goToLogin() {
  window.location.assign(loginPath(`${window.location.pathname}${window.location.search}`));
}

/**
 * The API client for calls the browser makes itself. Signed in, the httpOnly session cookie goes along
 * (`credentials: 'include'`; the orchestrator is another port of the same host) and a 401 goes to /login.
 * On a share page the link's token is sent as Bearer, and no cookie.
 */
export function useApi(): ApiClient {
  const base = useApiUrl();
  const token = useShareToken();
  return useMemo(
    () =>
      token
        ? apiClient({ base, token, credentials: 'omit' })
        : apiClient({ base, credentials: 'include', onUnauthorized: goToLogin }),
    [base, token],
  );
}

/** How this page's socket authenticates: the share token as `auth.token`, or the session cookie. */
export function useStreamConnection(): StreamConnection {
  const base = useApiUrl();
  const token = useShareToken();
  return useMemo(() => (token ? { base, token } : { base }), [base, token]);
}
