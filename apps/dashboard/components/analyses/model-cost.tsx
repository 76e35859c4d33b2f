'use client';

import type { AnalysisDetailDto, RunDto } from '@reslab/contracts';
import { useTranslations } from 'next-intl';
import { AnalysisList } from '@/components/analyses/analysis-list';
import { CostView } from '@/components/analyses/cost-view';
import { LaunchAnalysis } from '@/components/analyses/launch-analysis';
import { useLiveAnalyses } from '@/components/analyses/use-live-analyses';
import { costResult, latestOfKind } from '@/lib/analysis-results';

/**
 * The model page's body: the run's `cost` analysis, or a button that launches one and the page filling in as its
 * parts arrive.
 */
export function ModelCost({ run, initial }: { run: RunDto; initial: AnalysisDetailDto[] }) {
  const t = useTranslations('analyses');
  const { analyses, add, replace } = useLiveAnalyses(initial.filter((a) => a.kind === 'cost'));
  const cost = latestOfKind(analyses, 'cost');
  const result = cost ? costResult(cost) : null;
  return (
    <>
      {cost ? null : (
        <p className="panel empty" data-testid="cost-empty">
          {t('costEmpty')}
        </p>
      )}
      {!cost || cost.status === 'failed' || cost.status === 'cancelled' ? (
        <LaunchAnalysis runId={run.id} kind="cost" onLaunched={add} />
      ) : null}
      {cost ? (
        <AnalysisList
          analyses={analyses.slice(0, 1)}
          shown={[]}
          onShow={() => {}}
          onCancelled={replace}
          readOnly={false}
        />
      ) : null}
      {result && (result.run || result.course) ? (
        <div data-testid="cost-view" data-status={cost?.status}>
          <CostView cost={result} />
        </div>
      ) : null}
    </>
  );
}
