'use client';

import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import type { BrowserApiHint } from '@/lib/browser-api';

const ApiHintContext = createContext<BrowserApiHint>({ url: null, port: '4000' });

export function ApiUrlProvider({ hint, children }: { hint: BrowserApiHint; children: ReactNode }) {
  return <ApiHintContext.Provider value={hint}>{children}</ApiHintContext.Provider>;
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
