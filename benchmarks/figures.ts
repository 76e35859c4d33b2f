/** Summaries for benchmark printouts. Benchmarks print figures; they never fail on a time. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function summary(values: number[], unit = 'ms'): string {
  const f = (v: number) => v.toFixed(1);
  return `p50 ${f(percentile(values, 50))} ${unit}, p95 ${f(percentile(values, 95))} ${unit} (n=${values.length})`;
}

/** A figure repeated over rounds: its median and its whole range, so one lucky round cannot pass for the result. */
export function spread(values: number[], unit = '', digits = 1): string {
  const f = (v: number) => `${v.toFixed(digits)}${unit}`;
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${f(percentile(values, 50))} (range ${f(sorted[0] as number)}–${f(sorted.at(-1) as number)}, n=${values.length})`;
}
