'use client';

import { backoffMs } from '@reslab/contracts';
import { useRouter } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { useApi, useReadOnly } from '@/components/api-url';
import { ApiFailure } from '@/lib/api-client';
import { loginPath } from '@/lib/session';
import type { StreamState } from '@/lib/stream-client';

type Shown = StreamState | 'reconnected';

/** As contracts' outageState: no answer at all, 503 (the database is down), or another 5xx. */
const outageKind = (status: number | null) =>
  status === null ? 'unreachable' : status === 503 ? 'database' : 'failing';

/**
 * Whether a live page is receiving updates, in words: a banner while the
 * orchestrator is unreachable (the stream retries by itself),
 * "Reconnected" once it answers again after an outage, and why updates
 * stopped when the socket refused the page's credential.
 */
export function ConnectionBanner({ state, detail }: { state: StreamState; detail?: string }) {
  const shared = useReadOnly();
  const api = useApi();
  const t = useTranslations('live');
  // A share page whose socket was refused asks the API whether the link still opens; when it does not (revoked,
  // expired) the page reloads, and the server shows the revoked-link page in its place.
  useEffect(() => {
    if (state !== 'denied' || !shared) return;
    api.currentShare().catch((err: unknown) => {
      if (err instanceof ApiFailure && [401, 403, 404].includes(err.status ?? 0)) window.location.reload();
    });
  }, [state, shared, api]);
  const [hadOutage, setHadOutage] = useState(false);
  if ((state === 'offline' || state === 'error') && !hadOutage) setHadOutage(true);
  const shown: Shown = state === 'live' && hadOutage ? 'reconnected' : state;
  const down = state === 'offline' || state === 'error' || state === 'denied';
  return (
    <p
      className={`stream stream--${shown}${down ? ' stream--banner' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="stream-state"
      data-state={state}
    >
      <span aria-hidden="true" className="stream__dot" /> {shown === 'denied' && shared ? t('deniedShared') : t(shown)}
      {shown === 'denied' && !shared ? (
        <>
          {' '}
          <a href={loginPath(typeof window === 'undefined' ? null : window.location.pathname)}>{t('signInAgain')}</a>.
        </>
      ) : null}
      {detail ? <span className="muted small"> ({detail})</span> : null}
    </p>
  );
}

/**
 * Stands in for a live page whose first load met an outage (orchestrator
 * unreachable, or answering 5xx): it asks the server to render the page again
 * after each backoff, and the page replaces it once the orchestrator answers.
 */
export function ReloadWhenReachable({ status }: { status: number | null }) {
  const router = useRouter();
  const t = useTranslations('live');
  const [attempt, setAttempt] = useState(0);
  const [waitS, setWaitS] = useState<number | null>(null);
  useEffect(() => {
    const delay = backoffMs(attempt);
    setWaitS(Math.max(1, Math.round(delay / 1000)));
    const timer = setTimeout(() => {
      router.refresh();
      setAttempt((n) => n + 1);
    }, delay);
    return () => clearTimeout(timer);
  }, [attempt, router]);
  return (
    <p
      className="stream stream--offline stream--banner"
      role="status"
      aria-live="polite"
      data-testid="stream-state"
      data-state="offline"
    >
      <span aria-hidden="true" className="stream__dot" />{' '}
      {t('outage', {
        kind: outageKind(status),
        status: status ?? 0,
        wait: waitS === null ? 'none' : 'some',
        seconds: waitS ?? 0,
      })}
    </p>
  );
}
