/**
 * What the run, sweep and compare views need from the API, loaded the same way
 * for a signed-in page and for a share link: only the client (whose credential)
 * differs.
 */
import type { ApiClient, ApiFailure } from '@/lib/api-client';
import { settle } from '@/lib/api-client';
import { type CompareRun, curveRows } from '@/lib/compare';
import { modelLabel, shortId } from '@/lib/format';
import { type TrainCurves, trainErrorPercent } from '@/lib/train-curves';

/** A run page's first view: the run, its epochs, gradient flow, artifacts and analyses, each of which may fail alone. */
export async function loadRunView(api: ApiClient, runId: string) {
  const [run, metrics, flow, artifacts, analyses] = await Promise.all([
    settle(api.getRun(runId)),
    settle(api.listRunMetrics(runId)),
    settle(api.listRunGradFlow(runId)),
    settle(api.listRunArtifacts(runId)),
    settle(api.listRunAnalyses(runId)),
  ]);
  return { run, metrics, flow, artifacts, analyses };
}
export type RunView = Awaited<ReturnType<typeof loadRunView>>;

/**
 * Train error per epoch of every run of a sweep: one request (GET /sweeps/:id/metrics), train accuracy only.
 * The sweep page makes it from the browser after its first paint: 1,000 runs × 100 epochs is 2.3 MB of JSON,
 * which held back the whole server render (issue 13).
 */
export async function loadTrainCurves(
  api: ApiClient,
  sweepId: string,
): Promise<{ curves: TrainCurves; failed: boolean }> {
  const result = await settle(api.getSweepMetrics(sweepId, { split: ['train'], metric: ['accuracy'] }));
  const curves: TrainCurves = {};
  if (!result.ok) return { curves, failed: true };
  for (const { runId, epoch, accuracy = [] } of result.data.curves) {
    curves[runId] = epoch.map((e, i) => [e, trainErrorPercent(accuracy[i] ?? Number.NaN)]);
  }
  return { curves, failed: false };
}

/**
 * The picked runs with their curves, for CompareView: two requests whatever the number of runs (GET /runs with
 * `ids`, GET /runs/curves). `missing` counts ids the API does not know or the caller may not see.
 */
export async function loadComparison(api: ApiClient, ids: string[]) {
  if (!ids.length) return { picked: [], failures: [], missing: 0 };
  const [runs, curves] = await Promise.all([
    settle(api.listRuns({ ids, limit: ids.length })),
    settle(api.getRunCurves(ids)),
  ]);
  const failures: ApiFailure[] = [runs, curves].flatMap((r) => (r.ok ? [] : [r.failure]));
  const byId = new Map((runs.ok ? runs.data.items : []).map((r) => [r.id, r]));
  const splits = curves.ok ? curveRows(curves.data.curves) : new Map<string, CompareRun['splits']>();
  const picked = ids.flatMap((id): CompareRun[] => {
    const run = byId.get(id);
    if (!run) return [];
    return [
      {
        id: run.id,
        label: run.name ? `${run.name} (${shortId(run.id)})` : `${modelLabel(run.config)} ${shortId(run.id)}`,
        arch: run.config.model.arch,
        depth: run.config.model.depth,
        status: run.status,
        config: run.config,
        splits: splits.get(run.id) ?? {},
      },
    ];
  });
  return { picked, failures, missing: runs.ok ? ids.length - picked.length : 0 };
}
