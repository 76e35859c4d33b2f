import type { SweepDetailDto } from '@reslab/contracts';
import type { ReactNode } from 'react';
import { SweepAnalyses } from '@/components/analyses/sweep-analyses';
import { SweepLive } from '@/components/sweep-live';

/**
 * A sweep page's body, for the signed-in sweep page and for a share link alike: the sweep and its runs as the
 * server read them; `SweepLive` loads every run's training curve from the browser (with the caller's
 * credential, or the link's) and keeps it all up to date.
 */
export function SweepView({ sweep, share }: { sweep: SweepDetailDto; share?: ReactNode }) {
  return (
    <>
      <SweepLive initial={sweep} share={share} />
      <SweepAnalyses sweep={sweep} />
    </>
  );
}
