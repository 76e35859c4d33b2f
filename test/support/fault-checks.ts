import { query } from './postgres.js';
import { expectedKeys } from './runs.js';

/** What the fault tests and the chaos soak count after the dust settles, straight from the database. */
export interface Integrity {
  /** (run, epoch, split) keys stored more than once, in EpochMetric and GradFlow. */
  duplicateRows: number;
  /** (run, epoch, split) keys a finished run must have but does not. */
  missingEpochs: number;
  /** The repair queries: both must find nothing on a healthy platform (RunRepairService). */
  queuedWithoutJob: number;
  runningWithoutLeaseCheck: number;
}

export async function integrity(
  databaseUrl: string,
  runs: { id: string; epochs: number; val?: boolean }[],
): Promise<Integrity> {
  const [dupes] = await query<{ n: number }>(
    databaseUrl,
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM "EpochMetric" GROUP BY "runId", epoch, split HAVING count(*) > 1) d)::int
          + (SELECT count(*) FROM (SELECT 1 FROM "GradFlow" GROUP BY "runId", epoch, block HAVING count(*) > 1) g)::int AS n`,
  );
  const rows = await query<{ runId: string; key: string }>(
    databaseUrl,
    `SELECT "runId", epoch || ':' || split AS key FROM "EpochMetric" WHERE "runId" = ANY($1::uuid[])`,
    [runs.map((r) => r.id)],
  );
  const stored = new Set(rows.map((r) => `${r.runId}/${r.key}`));
  const missingEpochs = runs
    .flatMap((r) => expectedKeys(r.epochs, r.val ?? true).map((k) => `${r.id}/${k}`))
    .filter((k) => !stored.has(k)).length;
  const [queued] = await query<{ n: number }>(
    databaseUrl,
    `SELECT count(*)::int AS n FROM "Run" r WHERE r.status = 'queued' AND NOT EXISTS (
       SELECT 1 FROM pgboss.job j WHERE j.name = 'runs_' || r."teamId"::text AND j.singleton_key = r.id::text
          AND j.state IN ('created', 'retry', 'active'))`,
  );
  const [running] = await query<{ n: number }>(
    databaseUrl,
    `SELECT count(*)::int AS n FROM "Run" r WHERE r.status = 'running' AND NOT EXISTS (
       SELECT 1 FROM pgboss.job j WHERE j.name = 'lease-check' AND j.data->>'runId' = r.id::text
          AND j.state IN ('created', 'retry', 'active'))`,
  );
  return {
    duplicateRows: dupes?.n ?? -1,
    missingEpochs,
    queuedWithoutJob: queued?.n ?? -1,
    runningWithoutLeaseCheck: running?.n ?? -1,
  };
}
