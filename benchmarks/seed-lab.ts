/**
 * A lab-scale database for the dashboard and API at 10,000 runs (issue 13): its own Postgres database, migrated,
 * with
 *
 *  - team `lab` (owner: the instance admin, admin@reslab.test): 10,000 runs in 50 sweeps, one of them of 1,000
 *    runs and 49 of 183 or 184, each run 100 epochs × 3 splits (3,000,000 EpochMetric rows);
 *  - team `baseline` (owner: baseline@reslab.test): the same pages with 10 runs in one sweep, so a benchmark can
 *    measure both in one stack, signed in as one or the other (the team scope keeps them apart).
 *
 * Rows go in with multi-row INSERTs from arrays (unnest), not through the API: ingest takes ~2,000 rows/s, which
 * would be 25 minutes for the metrics alone. The curves are made up (a deterministic exponential decay per run,
 * with deeper plain nets training worse, as in He et al. 2016 Fig. 1); perClass is stored empty (`[]`), so the
 * table is smaller than one the engine fills. Runs are stored finished (succeeded, failed or cancelled, never
 * queued: no queue job exists for them), with Run.finalVal* filled in directly while the trigger that keeps
 * them is off for the load.
 *
 *   DATABASE_URL=postgresql://reslab:reslab@127.0.0.1:55432/reslab npx tsx benchmarks/seed-lab.ts [--database reslab_lab]
 *
 * The database is dropped and made again. It prints the sign-in for the dashboard:
 *   DATABASE_URL=<printed url> RESLAB_ADMIN_EMAIL=admin@reslab.test RESLAB_ADMIN_PASSWORD=... node apps/orchestrator/dist/main.js
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ARCHS, type RunConfig, RunConfig as RunConfigSchema } from '@reslab/contracts';
import pg from 'pg';
import { applyMigrations } from '../apps/orchestrator/src/database/migrations.js';
import { hashPassword } from '../apps/orchestrator/src/identity/passwords.js';
import { MIGRATIONS_DIR } from '../test/support/paths.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { ADMIN } from '../test/support/stack.js';

export const LAB = { runs: 10_000, sweeps: 50, bigSweepRuns: 1000, epochs: 100 } as const;
export const BASELINE_USER = { email: 'baseline@reslab.test', password: 'baseline-password-for-benchmarks' };
const BASELINE_RUNS = 10;
const DEPTHS = [20, 32, 44, 56, 110];
const SPLITS = ['train', 'val', 'test'] as const;
/** Runs per INSERT of their metrics: 100 runs × 100 epochs × 3 splits = 30,000 rows. */
const RUNS_PER_BATCH = 100;

export interface LabDatabase {
  url: string;
  /** Sweep ids of team lab, the 1,000-run sweep first. */
  labSweeps: string[];
  baselineSweep: string;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

interface PlannedRun {
  id: string;
  sweepId: string;
  name: string;
  config: RunConfig;
  params: Record<string, string | number>;
  status: 'succeeded' | 'failed' | 'cancelled';
  queuedAt: Date;
}

/** Error falls from 90% towards a floor that grows with depth for plain nets and shrinks for residual ones. */
function curves(run: PlannedRun, epochs: number) {
  const next = seededRandom(Number.parseInt(run.id.slice(0, 8), 16));
  const { arch, depth } = run.config.model;
  const floor = arch === 'plain' ? 0.08 + depth / 1500 : 0.1 - depth / 4000;
  const tau = 8 + 12 * next();
  const rows: { epoch: number; split: (typeof SPLITS)[number]; loss: number; accuracy: number; f1: number }[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const split of SPLITS) {
      const gap = split === 'train' ? 0 : 0.02 + 0.01 * next();
      const error = Math.min(0.9, floor + gap + (0.9 - floor) * Math.exp(-epoch / tau) + 0.01 * (next() - 0.5));
      const accuracy = 1 - error;
      rows.push({ epoch, split, loss: -Math.log(Math.max(accuracy, 1e-3)) * 1.5, accuracy, f1: accuracy - 0.005 });
    }
  }
  return rows;
}

function planRuns(sweepIds: string[], sizes: number[], start: Date): PlannedRun[] {
  const runs: PlannedRun[] = [];
  sweepIds.forEach((sweepId, s) => {
    // A sweep's runs are inserted in one statement by the orchestrator, so they share one queuedAt.
    const queuedAt = new Date(start.getTime() + s * 60_000);
    for (let i = 0; i < (sizes[s] as number); i++) {
      const arch = ARCHS[i % ARCHS.length] as RunConfig['model']['arch'];
      const depth = DEPTHS[Math.floor(i / ARCHS.length) % DEPTHS.length] as number;
      const seed = Math.floor(i / (ARCHS.length * DEPTHS.length));
      const config = RunConfigSchema.parse({
        model: { arch, depth },
        data: { dataset: 'cifar10', augment: true },
        optim: { lr: 0.1, batchSize: 128, schedule: 'step' },
        epochs: LAB.epochs,
        seed,
      });
      const roll = (i * 37 + s) % 100;
      runs.push({
        id: randomUUID(),
        sweepId,
        name: `${arch}${depth}-s${seed}`,
        config,
        params: { 'model.arch': arch, 'model.depth': depth, seed },
        status: roll < 94 ? 'succeeded' : roll < 98 ? 'failed' : 'cancelled',
        queuedAt,
      });
    }
  });
  return runs;
}

async function insertRuns(db: pg.Client, teamId: string, experimentId: string, runs: PlannedRun[], epochs: number) {
  for (let b = 0; b < runs.length; b += RUNS_PER_BATCH) {
    const batch = runs.slice(b, b + RUNS_PER_BATCH);
    const metrics = batch.map((run) => ({ run, rows: curves(run, epochs) }));
    const finals = metrics.map(({ rows }) => rows.filter((r) => r.split === 'val').at(-1));
    await db.query(
      `INSERT INTO "Run" (id, "experimentId", "teamId", "sweepId", name, config, params, status, attempt, "queuedAt",
                          "startedAt", "finishedAt", "failureReason", arch, depth,
                          "finalValEpoch", "finalValLoss", "finalValAccuracy", "finalValF1")
       SELECT u.id, $2, $3, u.sweep, u.name, u.config, u.params, u.status::"RunStatus", 1, u.queued, u.queued,
              u.queued + interval '1 hour', CASE WHEN u.status = 'failed' THEN 'the engine failed' END, u.arch, u.depth,
              u.epoch, u.loss, u.accuracy, u.f1
         FROM unnest($1::uuid[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[], $9::timestamptz[],
                     $10::text[], $11::int[], $12::int[], $13::float8[], $14::float8[], $15::float8[])
           AS u(id, sweep, name, config, params, status, queued, arch, depth, epoch, loss, accuracy, f1)`,
      [
        batch.map((r) => r.id),
        experimentId,
        teamId,
        batch.map((r) => r.sweepId),
        batch.map((r) => r.name),
        batch.map((r) => JSON.stringify(r.config)),
        batch.map((r) => JSON.stringify(r.params)),
        batch.map((r) => r.status),
        batch.map((r) => r.queuedAt.toISOString()),
        batch.map((r) => r.config.model.arch),
        batch.map((r) => r.config.model.depth),
        finals.map((f) => f?.epoch ?? null),
        finals.map((f) => f?.loss ?? null),
        finals.map((f) => f?.accuracy ?? null),
        finals.map((f) => f?.f1 ?? null),
      ],
    );
    const flat = metrics.flatMap(({ run, rows }) => rows.map((row) => ({ runId: run.id, ...row })));
    await db.query(
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       SELECT u.run, u.epoch, u.split::"Split", u.loss, u.accuracy, u.f1, u.f1, u.f1, '[]', 0.1, 12.5
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::float8[], $5::float8[], $6::float8[])
           AS u(run, epoch, split, loss, accuracy, f1)`,
      [
        flat.map((r) => r.runId),
        flat.map((r) => r.epoch),
        flat.map((r) => r.split),
        flat.map((r) => r.loss),
        flat.map((r) => r.accuracy),
        flat.map((r) => r.f1),
      ],
    );
  }
}

/** A team with project `default`, experiment `lab`, an owner, and its sweeps; returns the sweep ids. */
async function seedTeam(
  db: pg.Client,
  slug: string,
  owner: { email: string; password: string; instanceAdmin: boolean },
  sizes: number[],
  epochs: number,
  start: Date,
  log: (line: string) => void,
): Promise<string[]> {
  const {
    rows: [team],
  } = await db.query<{ id: string }>(`INSERT INTO "Team" (slug, name) VALUES ($1, $2) RETURNING id`, [slug, slug]);
  const teamId = team?.id as string;
  const {
    rows: [user],
  } = await db.query<{ id: string }>(
    `INSERT INTO "User" (email, name, "passwordHash", "instanceAdmin") VALUES ($1, $2, $3, $4) RETURNING id`,
    [owner.email, slug, await hashPassword(owner.password), owner.instanceAdmin],
  );
  await db.query(`INSERT INTO "Membership" ("teamId", "userId", role) VALUES ($1, $2, 'owner')`, [teamId, user?.id]);
  const {
    rows: [project],
  } = await db.query<{ id: string }>(
    `INSERT INTO "Project" ("teamId", slug, name) VALUES ($1, 'default', 'default') RETURNING id`,
    [teamId],
  );
  const {
    rows: [experiment],
  } = await db.query<{ id: string }>(
    `INSERT INTO "Experiment" ("projectId", "teamId", name) VALUES ($1, $2, 'lab') RETURNING id`,
    [project?.id, teamId],
  );
  const sweepIds = sizes.map(() => randomUUID());
  for (const [s, id] of sweepIds.entries()) {
    await db.query(
      `INSERT INTO "Sweep" (id, "experimentId", "teamId", name, spec, "createdAt") VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        id,
        experiment?.id,
        teamId,
        `${slug}-sweep-${String(s).padStart(2, '0')}${sizes[s] === LAB.bigSweepRuns ? '-1000' : ''}`,
        JSON.stringify({ name: `${slug}-sweep-${s}`, grid: { arch: ARCHS, depth: DEPTHS } }),
        new Date(start.getTime() + s * 60_000),
      ],
    );
  }
  const runs = planRuns(sweepIds, sizes, start);
  const t0 = Date.now();
  for (let b = 0; b < runs.length; b += 1000) {
    await insertRuns(db, teamId, experiment?.id as string, runs.slice(b, b + 1000), epochs);
    log(`  ${slug}: ${Math.min(b + 1000, runs.length)} runs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return sweepIds;
}

/** Drops and makes database `name` on the server of `serverUrl`, migrated and seeded. */
export async function seedLab(
  serverUrl: string,
  name: string,
  log: (line: string) => void = console.log,
): Promise<LabDatabase> {
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  await applyMigrations(url, MIGRATIONS_DIR);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    // Run.finalVal* are written with each run; the trigger would update every run 100 times more.
    await db.query(`ALTER TABLE "EpochMetric" DISABLE TRIGGER run_final_val`);
    const start = new Date(Date.now() - 30 * 24 * 3600_000);
    const others = LAB.sweeps - 1;
    const rest = LAB.runs - LAB.bigSweepRuns;
    const sizes = [
      LAB.bigSweepRuns,
      ...Array.from({ length: others }, (_, i) => Math.floor(rest / others) + (i < rest % others ? 1 : 0)),
    ];
    const labSweeps = await seedTeam(db, 'lab', { ...ADMIN, instanceAdmin: true }, sizes, LAB.epochs, start, log);
    const [baselineSweep] = await seedTeam(
      db,
      'baseline',
      { ...BASELINE_USER, instanceAdmin: false },
      [BASELINE_RUNS],
      LAB.epochs,
      start,
      log,
    );
    await db.query(`ALTER TABLE "EpochMetric" ENABLE TRIGGER run_final_val`);
    await db.query('ANALYZE');
    return { url, labSweeps, baselineSweep: baselineSweep as string };
  } finally {
    await db.end();
  }
}

async function main() {
  const { values } = parseArgs({ options: { database: { type: 'string', default: 'reslab_lab' } } });
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('DATABASE_URL must name the Postgres server (any database on it)');
  const t0 = Date.now();
  const lab = await seedLab(server, values.database as string);
  const db = new pg.Client({ connectionString: lab.url });
  await db.connect();
  const { rows } = await db.query<{ runs: string; metrics: string; size: string }>(
    `SELECT (SELECT count(*) FROM "Run") AS runs, (SELECT count(*) FROM "EpochMetric") AS metrics,
            pg_size_pretty(pg_database_size(current_database())) AS size`,
  );
  await db.end();
  console.log(
    `seeded ${lab.url.replace(/:[^:@/]+@/, ':***@')} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${rows[0]?.runs} runs, ${rows[0]?.metrics} epoch metrics, ${rows[0]?.size}`,
  );
  console.log(`sign in as ${ADMIN.email} / ${ADMIN.password} (team lab) or ${BASELINE_USER.email} (team baseline)`);
  console.log(`the 1,000-run sweep: /sweeps/${lab.labSweeps[0]}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
