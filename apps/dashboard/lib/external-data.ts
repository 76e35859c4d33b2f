/** What an external run's page reads on the server: the run, every point of each of its keys, and its epochs. */

import type { ExternalRunState } from '@/components/external/external-run-view';
import type { ApiClient } from '@/lib/api-client';
import { settle } from '@/lib/api-client';
import { type HistoryPoint, metricKeys, sharedKeys } from '@/lib/external-runs';

/** Every point of each of `keys` logged by one run, by key: what the run page, its refresh and compare chart. */
export async function readHistories(
  api: ApiClient,
  runId: string,
  keys: string[],
): Promise<Record<string, HistoryPoint[]>> {
  const read = await Promise.all(keys.map((key) => api.getMetricHistory(runId, key)));
  return Object.fromEntries(read.map((h) => [h.key, h.points]));
}

export async function loadExternalRun(api: ApiClient, id: string) {
  return settle(
    (async (): Promise<ExternalRunState | null> => {
      const run = await api.getExternalRun(id);
      if (!run) return null;
      const [histories, epochs] = await Promise.all([readHistories(api, id, metricKeys(run)), api.listRunMetrics(id)]);
      return { run, epochs, histories };
    })(),
  );
}

/** Most runs logged from scripts one comparison overlays (as MAX_COMPARE_RUNS for engine runs). */
export const MAX_EXTERNAL_COMPARE = 20;

/**
 * The compare page's runs logged from scripts: each run found, and the history of every key they all logged, by
 * run then key. Unknown ids are counted, not fatal.
 */
export async function loadExternalComparison(api: ApiClient, ids: string[]) {
  return settle(
    (async () => {
      const found = await Promise.all(ids.slice(0, MAX_EXTERNAL_COMPARE).map((id) => api.getExternalRun(id)));
      const runs = found.filter((run): run is NonNullable<typeof run> => run !== null);
      const keys = sharedKeys(runs);
      const histories = await Promise.all(
        runs.map(async (run) => [run.id, await readHistories(api, run.id, keys)] as const),
      );
      return { runs, keys, histories: Object.fromEntries(histories), missing: ids.length - runs.length };
    })(),
  );
}
