/**
 * The chaos soak, long form: a sweep of real-engine runs on two workers while a seeded schedule kills a
 * worker, the orchestrator or Postgres for several minutes; prints the faults and what survived.
 *
 *   npx tsx benchmarks/chaos-soak.ts [--seed 1] [--runs 24] [--epochs 20] [--minutes 5]
 *
 * It starts a Postgres server of its own (Debian's binaries), so it can stop and kill it.
 */
import { parseArgs } from 'node:util';
import { formatSoakReport, runChaosSoak } from '../test/support/chaos-soak.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '24' },
    epochs: { type: 'string', default: '20' },
    minutes: { type: 'string', default: '5' },
  },
});
const report = await runChaosSoak({
  seed: Number(values.seed),
  runs: Number(values.runs),
  epochs: Number(values.epochs),
  chaosMs: Number(values.minutes) * 60_000,
  gapMs: [5000, 15000],
  leaseSeconds: 5,
  log: (line) => console.log(line),
});
console.log(formatSoakReport(report));
console.log(JSON.stringify(report));
process.exit(report.succeeded === report.submitted && !report.duplicateRows && !report.missingEpochs ? 0 : 1);
