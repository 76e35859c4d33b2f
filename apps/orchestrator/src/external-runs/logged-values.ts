import { LoggedKey, type MetricPoint, type MetricSummary, type MetricValue, PARAM_VALUE_MAX } from '@reslab/contracts';
import { invalidField } from '../common/api-errors.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * The SQL of an external run's logged values: its metric history (MetricPoint), its write-once params (RunParam)
 * and its last-wins tags (RunTag). Each write is one statement over `unnest`ed arrays, whatever the batch's size:
 * this path is benchmarked against MLflow's own (benchmarks/), which writes a batch a table at a time too.
 *
 * Values cross the wire as text: float8's text form is exact (shortest round trip since Postgres 12) and spells
 * NaN and the infinities as MLflow's JSON does ('NaN', 'Infinity', '-Infinity'), so no value changes on the way.
 */

export function toMetricValue(text: string): MetricValue {
  return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? text : Number(text);
}

// String(-0) is '0': a logged -0 would come back as 0.
const asText = (value: MetricValue) =>
  typeof value !== 'number' ? value : Object.is(value, -0) ? '-0' : String(value);

/** The run as `logPoints` found it, and how many of its points were new. */
export interface LoggedRun {
  id: string;
  teamId: string;
  kind: string;
  sweepId: string | null;
  stored: bigint;
}

/**
 * The common log, a script's metrics and tags, in one statement, so in one round trip: it holds the run (FOR
 * SHARE: logs go side by side, an end or a delete waits for them), and stores `points` and `tags` only if the run
 * is an external one in one of `writable` teams ('all': any). Running or ended alike: MLflow takes values for a
 * finished run too (an evaluation logging test metrics after training), and refuses only a deleted one. It
 * answers the run whatever it found (nothing when there is no such run), for the caller to say why nothing was
 * stored.
 *
 * A point the run already has (key, step, timestamp, value) is skipped; a tag's last value wins. Data-modifying
 * WITH clauses run to completion whether or not the SELECT reads them (Postgres docs, 7.8.4).
 */
export function logPoints(
  runId: string,
  writable: readonly string[] | 'all',
  points: MetricPoint[],
  tags: Record<string, string>,
): Prisma.Sql {
  const teams = writable === 'all' ? Prisma.sql`TRUE` : Prisma.sql`"teamId" = ANY(${[...writable]}::uuid[])`;
  return Prisma.sql`WITH run AS (
      SELECT id, "teamId", kind, "sweepId" FROM "Run" WHERE id = ${runId}::uuid FOR SHARE
    ), open AS (
      SELECT id FROM run WHERE kind = 'external' AND ${teams}
    ), points AS (
      INSERT INTO "MetricPoint" ("runId", "key", "step", "timestamp", "value")
      SELECT open.id, p.key, p.step, p.timestamp, p.value
        FROM open CROSS JOIN unnest(${points.map((p) => p.key)}::text[], ${points.map((p) => p.step)}::bigint[],
                    ${points.map((p) => p.timestamp)}::bigint[], ${points.map((p) => asText(p.value))}::float8[])
          AS p(key, step, timestamp, value)
      ON CONFLICT ("runId", "key", "step", "timestamp", "value") DO NOTHING
      RETURNING 1
    ), tags AS (
      INSERT INTO "RunTag" ("runId", "key", "value")
      SELECT open.id, t.key, t.value
        FROM open CROSS JOIN unnest(${Object.keys(tags)}::text[], ${Object.values(tags)}::text[]) AS t(key, value)
      ON CONFLICT ("runId", "key") DO UPDATE SET "value" = EXCLUDED."value"
      RETURNING 1
    )
    SELECT id::text AS id, "teamId"::text AS "teamId", kind::text AS kind, "sweepId"::text AS "sweepId",
           (SELECT count(*) FROM points) AS stored
      FROM run`;
}

/**
 * Stores params that are new, and answers those already stored with another value (MLflow's params are
 * write-once). `DO UPDATE ... WHERE` locks and reads a committed row even when it was inserted by a concurrent
 * request, so two requests racing with different values cannot both pass; the update sets nothing new.
 */
export function insertParams(runId: string, params: Record<string, string>): Prisma.Sql {
  const keys = Object.keys(params);
  return Prisma.sql`INSERT INTO "RunParam" ("runId", "key", "value")
    SELECT ${runId}::uuid, p.key, p.value FROM unnest(${keys}::text[], ${Object.values(params)}::text[]) AS p(key, value)
    ON CONFLICT ("runId", "key") DO UPDATE SET "value" = "RunParam"."value" WHERE "RunParam"."value" <> EXCLUDED."value"
    RETURNING "key", "value", (xmax <> 0) AS "conflict"`;
}

/** The 400 for the first param `insertParams` answered as stored with another value. */
export function paramConflict(rows: { key: string; value: string; conflict: boolean }[]): Error | null {
  const clash = rows.find((r) => r.conflict);
  if (!clash) return null;
  const stored = clash.value.length > 100 ? `${clash.value.slice(0, 100)}…` : clash.value;
  return invalidField(
    `params.${clash.key}`,
    `is already logged as '${stored}' for this run, and a param is written once (MLflow's rule): log the new value under another key`,
  );
}

export function upsertTags(runId: string, tags: Record<string, string>): Prisma.Sql {
  return Prisma.sql`INSERT INTO "RunTag" ("runId", "key", "value")
    SELECT ${runId}::uuid, t.key, t.value FROM unnest(${Object.keys(tags)}::text[], ${Object.values(tags)}::text[]) AS t(key, value)
    ON CONFLICT ("runId", "key") DO UPDATE SET "value" = EXCLUDED."value"`;
}

/**
 * A script's config as params, MLflow's way (log_params of a flattened dict): each leaf under its dotted path,
 * strings as they are and anything else JSON-encoded. A leaf whose key or value MLflow would refuse is left out,
 * not an error: the whole config is kept as given beside them.
 */
export function configParams(config: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  const visit = (value: unknown, path: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
      for (const [key, inner] of Object.entries(value)) visit(inner, path ? `${path}.${key}` : key);
      return;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (LoggedKey.safeParse(path).success && text.length <= PARAM_VALUE_MAX) params[path] = text;
  };
  for (const [key, value] of Object.entries(config)) visit(value, key);
  return params;
}

type SummaryRow = { runId: string; key: string; step: bigint; timestamp: bigint; value: string; count: bigint };

/** The newest point of every key of `runIds` (by step, then timestamp) and each key's count, in one statement. */
export function latestMetrics(runIds: string[]): Prisma.Sql {
  return Prisma.sql`SELECT DISTINCT ON ("runId", "key") "runId"::text AS "runId", "key", "step", "timestamp",
      "value"::text AS "value", count(*) OVER (PARTITION BY "runId", "key") AS "count"
    FROM "MetricPoint" WHERE "runId" = ANY(${runIds}::uuid[])
    ORDER BY "runId", "key", "step" DESC, "timestamp" DESC, "id" DESC`;
}

/** A stored point as the API answers it: int8s as numbers, NaN and the infinities as their JSON spellings. */
export function toPoint(row: Pick<SummaryRow, 'step' | 'timestamp' | 'value'>) {
  return { step: Number(row.step), timestamp: Number(row.timestamp), value: toMetricValue(row.value) };
}

export function toSummaries(rows: SummaryRow[]): Map<string, MetricSummary[]> {
  const byRun = new Map<string, MetricSummary[]>();
  for (const row of rows) {
    const list = byRun.get(row.runId) ?? [];
    list.push({
      key: row.key,
      last: toPoint(row),
      count: Number(row.count),
    });
    byRun.set(row.runId, list);
  }
  return byRun;
}
export type { SummaryRow };

/** Every point of one key, in (step, timestamp) order; the id keeps points logged at the same instant in order. */
export function metricHistory(runId: string, key: string): Prisma.Sql {
  return Prisma.sql`SELECT "step", "timestamp", "value"::text AS "value" FROM "MetricPoint"
    WHERE "runId" = ${runId}::uuid AND "key" = ${key} ORDER BY "step", "timestamp", "id"`;
}
