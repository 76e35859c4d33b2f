/** Train error (%) per epoch, by run id: what a sweep's training-curves chart draws. */
export type TrainCurves = Record<string, [number, number][]>;

/** Training error in percent, to 4 decimals: what the curves chart plots, and no more, so the page's props stay small. */
export const trainErrorPercent = (accuracy: number) => Math.round((1 - accuracy) * 1e6) / 1e4;

/**
 * The curves loaded by `loadTrainCurves` (lib/page-data.ts) under those the stream brought while they were on
 * their way: an epoch the stream sent is as new as the database's or newer, so it wins.
 */
export function mergeTrainCurves(loaded: TrainCurves, streamed: TrainCurves): TrainCurves {
  const merged: TrainCurves = { ...loaded };
  for (const [runId, points] of Object.entries(streamed)) {
    const byEpoch = new Map(loaded[runId] ?? []);
    for (const [epoch, error] of points) byEpoch.set(epoch, error);
    merged[runId] = [...byEpoch].sort((a, b) => a[0] - b[0]);
  }
  return merged;
}
