import type { Curve, RunConfig, Split } from '@reslab/contracts';

/** Runs one comparison draws; more lines than this stop being readable on one chart. */
export const MAX_COMPARE_RUNS = 50;

/** [epoch, loss, accuracy, precision, recall, f1]: one epoch of one split, compact for the wire. */
export type EpochRow = [number, number, number, number, number, number];

export interface CompareRun {
  id: string;
  label: string;
  arch: string;
  depth: number;
  status: string;
  config: RunConfig;
  splits: Partial<Record<Split, EpochRow[]>>;
}

/** Columnar curves (GET /runs/curves) as each run's rows per split. */
export function curveRows(curves: Curve[]): Map<string, CompareRun['splits']> {
  const byRun = new Map<string, CompareRun['splits']>();
  for (const c of curves) {
    const splits = byRun.get(c.runId) ?? {};
    // 6 decimals: the chart shows 4 of a percent (1e-6 of a fraction) or of nats, and the page's props for 50
    // runs (3 splits × 5 metrics each) shrink by about half against the full doubles.
    const at = (values: number[] | undefined, i: number) => {
      const value = values?.[i];
      return value === undefined ? Number.NaN : Math.round(value * 1e6) / 1e6;
    };
    splits[c.split] = c.epoch.map(
      (epoch, i): EpochRow => [
        epoch,
        at(c.loss, i),
        at(c.accuracy, i),
        at(c.precision, i),
        at(c.recall, i),
        at(c.f1, i),
      ],
    );
    byRun.set(c.runId, splits);
  }
  return byRun;
}

/** `{a: {b: 1}}` → `{'a.b': 1}`; arrays are compared whole, as JSON. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/** Config fields whose value is not the same in every run, each with every run's value (`—` when absent). */
export function configDiff(configs: unknown[]): { path: string; values: string[] }[] {
  const flat = configs.map((c) => flatten(c));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return paths
    .map((path) => ({ path, values: flat.map((f) => f[path] ?? '—') }))
    .filter(({ values }) => new Set(values).size > 1);
}
