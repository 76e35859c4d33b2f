/** What an external run's page reads on the server: the run, every point of each of its keys, and its epochs. */

import type { ExternalRunState } from '@/components/external/external-run-view';
import type { ApiClient } from '@/lib/api-client';
import { settle } from '@/lib/api-client';
import { metricKeys, sharedKeys } from '@/lib/external-runs';

export async function loadExternalRun(api: ApiClient, id: string) {
  return settle(
    (async (): Promise<ExternalRunState | null> => {
      const run = await api.getExternalRun(id);
      if (!run) return null;
      const [histories, epochs] = await Promise.all([
        Promise.all(metricKeys(run).map((key) => api.getMetricHistory(id, key))),
        api.listRunMetrics(id),
      ]);
      return { run, epochs, histories: Object.fromEntries(histories.map((h) => [h.key, h.points])) };
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
        runs.map(async (run) => {
          const read = await Promise.all(keys.map((key) => api.getMetricHistory(run.id, key)));
          return [run.id, Object.fromEntries(read.map((h) => [h.key, h.points]))] as const;
        }),
      );
      return { runs, keys, histories: Object.fromEntries(histories), missing: ids.length - runs.length };
    })(),
  );
}
