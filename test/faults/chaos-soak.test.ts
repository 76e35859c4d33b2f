import { describe, expect, it } from 'vitest';
import { FAULTS, formatSoakReport, runChaosSoak } from '../support/chaos-soak.js';

/**
 * Issue 9, proof 5, short form (about two minutes): 12 real-engine runs on two workers while a seeded
 * schedule kills a worker, the orchestrator or Postgres. The long form, with its figures in
 * benchmarks/RESULTS.md, is `npx tsx benchmarks/chaos-soak.ts`.
 */
describe('chaos soak, short form (real engines, Postgres of its own)', () => {
  it('every run succeeds, with no duplicate row, no missing epoch, and the metrics of an uninterrupted run', async () => {
    const report = await runChaosSoak({
      seed: 9,
      runs: 12,
      epochs: 8,
      chaosMs: 90_000,
      gapMs: [3000, 7000],
      leaseSeconds: 5,
      log: (line) => console.log(line),
    });
    console.log(formatSoakReport(report));
    expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(FAULTS));
    expect({
      succeeded: report.succeeded,
      duplicateRows: report.duplicateRows,
      missingEpochs: report.missingEpochs,
      differFromUninterrupted: report.differFromUninterrupted,
    }).toEqual({ succeeded: 12, duplicateRows: 0, missingEpochs: 0, differFromUninterrupted: 0 });
  }, 600_000);
});
