import { useTranslations } from 'next-intl';
import type { ReactNode } from 'react';
import { RunAnalyses } from '@/components/analyses/run-analyses';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { RunLive } from '@/components/run-live';
import { failureText } from '@/lib/api-client';
import type { RunView as LoadedRun } from '@/lib/page-data';

/**
 * A run page's body from what `loadRunView` read, for the signed-in run page and for a share link alike:
 * the parts that failed to load say so, and `RunLive` keeps the rest up to date.
 */
export function RunView({ view, share }: { view: LoadedRun; share?: ReactNode }) {
  const t = useTranslations('run');
  const tf = useTranslations('failures');
  const { run, metrics, flow, artifacts, analyses } = view;
  if (!run.ok || !run.data) return null;
  return (
    <>
      {!metrics.ok ? <ApiFailurePanel failure={metrics.failure} title={t('metricsFailed')} /> : null}
      {!flow.ok ? <ApiFailurePanel failure={flow.failure} title={t('flowFailed')} /> : null}
      <RunLive
        initial={{ run: run.data, metrics: metrics.ok ? metrics.data : [], gradFlow: flow.ok ? flow.data : [] }}
        artifacts={artifacts.ok ? artifacts.data : null}
        share={share}
      />
      <RunAnalyses
        run={run.data}
        initial={analyses.ok ? analyses.data.items : []}
        loadError={analyses.ok ? null : failureText(tf, analyses.failure)}
        classes={metrics.ok ? (metrics.data[0]?.perClass.length ?? null) : null}
      />
    </>
  );
}
