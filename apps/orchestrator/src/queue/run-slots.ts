/**
 * What a run holds on each worker it runs on: `resources.gpus` slots (one process per GPU, or per CPU slot), on
 * `resources.nodes` workers. An analysis job carries its analysed run's config but runs one process: one slot, one
 * node. A config stored before `resources` existed asks for one of each.
 */
export interface SizedRun {
  kind?: string;
  config: unknown;
}

function resources(run: SizedRun): { gpus?: number; nodes?: number } {
  return ((run.config as { resources?: { gpus?: number; nodes?: number } } | null)?.resources ?? {}) as {
    gpus?: number;
    nodes?: number;
  };
}

export function slotsOf(run: SizedRun): number {
  return run.kind === 'analysis' ? 1 : (resources(run).gpus ?? 1);
}

export function nodesOf(run: SizedRun): number {
  return run.kind === 'analysis' ? 1 : (resources(run).nodes ?? 1);
}

/** The same as slotsOf, in SQL over a "Run" row aliased `r`. */
export const SLOTS_OF_RUN_SQL = `CASE WHEN r.kind = 'analysis' THEN 1 ELSE COALESCE((r.config->'resources'->>'gpus')::int, 1) END`;
