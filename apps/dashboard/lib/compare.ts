import type { EpochMetricDto, RunConfig, Split } from '@reslab/contracts';

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

export function compactMetrics(metrics: EpochMetricDto[]): CompareRun['splits'] {
  const splits: CompareRun['splits'] = {};
  for (const m of metrics) {
    const rows = splits[m.split] ?? [];
    rows.push([m.epoch, m.loss, m.accuracy, m.precision, m.recall, m.f1]);
    splits[m.split] = rows;
  }
  return splits;
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
