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

/** Train error per epoch of every run, fetched a few at a time; compact so the page stays light. */
export async function loadTrainCurves(
  api: ApiClient,
  runIds: string[],
): Promise<{ curves: TrainCurves; failed: number }> {
  const curves: TrainCurves = {};
  let failed = 0;
  const queue = [...runIds];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const result = await settle(api.listRunMetrics(id));
      if (!result.ok) {
        failed++;
        continue;
      }
      curves[id] = result.data
        .filter((m) => m.split === 'train')
        .map((m) => [m.epoch, Math.round((1 - m.accuracy) * 1e6) / 1e4] as [number, number]);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return { curves, failed };
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
