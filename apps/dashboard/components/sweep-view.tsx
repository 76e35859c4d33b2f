import type { SweepDetailDto } from '@reslab/contracts';
import type { ReactNode } from 'react';
import { SweepLive } from '@/components/sweep-live';
import type { ApiClient } from '@/lib/api-client';
import { loadTrainCurves } from '@/lib/page-data';

/**
 * A sweep page's body, for the signed-in sweep page and for a share link alike: every run's training curve in
 * one request made with `api` (whose credential is the caller's), then `SweepLive` keeps it all up to date.
 */
export async function SweepView({ api, sweep, share }: { api: ApiClient; sweep: SweepDetailDto; share?: ReactNode }) {
  const { curves, failed } = await loadTrainCurves(api, sweep.id);
  return (
    <>
      {failed ? (
        <p className="notice" role="status">
          Could not load the training curves; they fill in as new epochs arrive.
        </p>
      ) : null}
      <SweepLive initial={sweep} initialCurves={curves} share={share} />
    </>
  );
}
