/**
 * What the run, sweep and compare views need from the API, loaded the same way
 * for a signed-in page and for a share link: only the client (whose credential)
 * differs.
 */
import type { ApiClient, ApiFailure } from '@/lib/api-client';
import { settle } from '@/lib/api-client';
import { type CompareRun, compactMetrics } from '@/lib/compare';
import { modelLabel, shortId } from '@/lib/format';

/** A run page's first view: the run, its epochs, gradient flow and artifacts, each of which may fail alone. */
export async function loadRunView(api: ApiClient, runId: string) {
  const [run, metrics, flow, artifacts] = await Promise.all([
    settle(api.getRun(runId)),
    settle(api.listRunMetrics(runId)),
    settle(api.listRunGradFlow(runId)),
    settle(api.listRunArtifacts(runId)),
  ]);
  return { run, metrics, flow, artifacts };
}
export type RunView = Awaited<ReturnType<typeof loadRunView>>;

/** Train error (%) per epoch, by run id. */
export type TrainCurves = Record<string, [number, number][]>;

/** Train error per epoch of every run of a sweep: one request (GET /sweeps/:id/metrics), train accuracy only. */
export async function loadTrainCurves(
  api: ApiClient,
  sweepId: string,
): Promise<{ curves: TrainCurves; failed: boolean }> {
  const result = await settle(api.getSweepMetrics(sweepId, { split: ['train'], metric: ['accuracy'] }));
  const curves: TrainCurves = {};
  if (!result.ok) return { curves, failed: true };
  for (const { runId, epoch, accuracy = [] } of result.data.curves) {
    // Percent, to 4 decimals: the chart needs no more, and the page's props stay small.
    curves[runId] = epoch.map((e, i) => [e, Math.round((1 - (accuracy[i] ?? Number.NaN)) * 1e6) / 1e4]);
  }
  return { curves, failed: false };
}

/**
 * The picked runs with their metrics, for CompareView. `known` holds runs the page has already (the picker's
 * list), so only the others are fetched one by one. `missing` counts ids the API does not know.
 */
export async function loadComparison(api: ApiClient, ids: string[], known = new Map<string, CompareRunSource>()) {
  const failures: ApiFailure[] = [];
  const picked = (
    await Promise.all(
      ids.map(async (id): Promise<CompareRun | null> => {
        const [runResult, metricsResult] = await Promise.all([
          known.has(id) ? { ok: true as const, data: known.get(id) ?? null } : settle(api.getRun(id)),
          settle(api.listRunMetrics(id)),
        ]);
        if (!runResult.ok) failures.push(runResult.failure);
        if (!metricsResult.ok) failures.push(metricsResult.failure);
        const run = runResult.ok ? runResult.data : null;
        if (!run) return null;
        return {
          id: run.id,
          label: run.name ? `${run.name} (${shortId(run.id)})` : `${modelLabel(run.config)} ${shortId(run.id)}`,
          arch: run.config.model.arch,
          depth: run.config.model.depth,
          status: run.status,
          config: run.config,
          splits: metricsResult.ok ? compactMetrics(metricsResult.data) : {},
        };
      }),
    )
  ).filter((r): r is CompareRun => r !== null);
  return { picked, failures, missing: ids.length - picked.length - failures.length };
}
type CompareRunSource = NonNullable<Awaited<ReturnType<ApiClient['getRun']>>>;
