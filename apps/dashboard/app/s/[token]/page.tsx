import { CREDENTIAL_PREFIX } from '@reslab/contracts';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getFormatter, getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ShareAccess } from '@/components/api-url';
import { CompareView } from '@/components/compare-view';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { RunView } from '@/components/run-view';
import { SweepView } from '@/components/sweep-view';
import { settle } from '@/lib/api-client';
import { formatDate } from '@/lib/format';
import { loadComparison, loadRunView } from '@/lib/page-data';
import { shareApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';

type Params = Promise<{ token: string }>;

/** A share link's token: the kind's prefix and 43 base64url characters; anything else opens nothing. */
function looksLikeShareToken(token: string): boolean {
  return token.startsWith(CREDENTIAL_PREFIX.shareLink) && /^[A-Za-z0-9_-]{1,100}$/.test(token);
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { token } = await params;
  const t = await getTranslations('share');
  if (!looksLikeShareToken(token)) return { title: t('sharedTitle', { kind: 'link' }) };
  const share = await settle(shareApi(token).currentShare());
  return { title: t('sharedTitle', { kind: share.ok ? share.data.kind : 'link' }) };
}

/**
 * What a share link opens, without an account: the run, sweep or comparison it names, through the same views as
 * the signed-in pages, read-only (ShareAccess), live over the socket with the link's token. Every read presents
 * the token, so the orchestrator answers only for the shared objects; a revoked or expired link is a 404.
 */
export default async function SharedPage({ params }: { params: Params }) {
  const { token } = await params;
  if (!looksLikeShareToken(token)) notFound();
  const [t, f] = await Promise.all([getTranslations('share'), getFormatter()]);
  const api = shareApi(token);
  const current = await settle(api.currentShare());
  if (!current.ok) {
    if (current.failure.kind === 'http' && [401, 403, 404].includes(current.failure.status ?? 0)) notFound();
    return (
      <>
        <h1>{t('sharedTitle', { kind: 'link' })}</h1>
        {current.failure.retryable ? <ReloadWhenReachable status={current.failure.status ?? null} /> : null}
        <ApiFailurePanel failure={current.failure} />
      </>
    );
  }
  const share = current.data;
  let body: ReactNode;
  if (share.kind === 'run') {
    const runId = share.runIds[0];
    const view = runId ? await loadRunView(api, runId) : null;
    if (!view || (view.run.ok && !view.run.data)) notFound();
    body = view.run.ok ? <RunView view={view} /> : <ApiFailurePanel failure={view.run.failure} />;
  } else if (share.kind === 'sweep') {
    const sweep = await settle(api.getSweep(share.sweepId ?? ''));
    if (sweep.ok && !sweep.data) notFound();
    body = sweep.ok ? sweep.data && <SweepView sweep={sweep.data} /> : <ApiFailurePanel failure={sweep.failure} />;
  } else {
    const { picked, failures } = await loadComparison(api, share.runIds);
    body = (
      <>
        <h1>{t('comparedRuns')}</h1>
        {failures.slice(0, 3).map((f) => (
          <ApiFailurePanel key={f.url} failure={f} />
        ))}
        {picked.length === 0 ? null : <CompareView runs={picked} />}
      </>
    );
  }
  return (
    <ShareAccess token={token}>
      <p className="muted small" data-testid="share-kind" data-kind={share.kind}>
        {t('sharedReadOnly', {
          kind: share.kind,
          expires: share.expiresAt ? 'yes' : 'never',
          date: formatDate(f, share.expiresAt),
        })}
      </p>
      {body}
    </ShareAccess>
  );
}
