import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { logger } from '../logger.js';

/** One run queue per team (`runs_<teamId>`): a team's worker takes only its team's runs (issue 8). */
export const RUN_QUEUE_PREFIX = 'runs_';
export const LEASE_QUEUE = 'lease-check';

export function runQueueOf(teamId: string): string {
  return `${RUN_QUEUE_PREFIX}${teamId}`;
}

interface RunJob {
  runId: string;
}

/**
 * The run queue and the lease timers, both kept by pg-boss in its own `pgboss`
 * schema of the same Postgres. pg-boss owns claiming (FOR UPDATE SKIP LOCKED),
 * priorities and delayed delivery; the Run table stays the source of truth for
 * status. A lease is not a pg-boss expiry (capped below 24 h, with no way to
 * extend it): each claim and heartbeat moves Run.leaseExpiresAt, and a delayed
 * `lease-check` job looks at it when it could have run out.
 *
 * Runs wait in one queue per team. A team's worker takes from its team's queue,
 * highest priority first. A shared worker serves every team, taking from the
 * team queues in turn (round robin), so one team's long sweep cannot starve
 * another's: fair share between teams, as Determined and Slurm do between
 * users, and strict priority within a team.
 */
@Injectable()
export class RunQueueService implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;
  /** Team queues known to exist (pg-boss's createQueue is not idempotent). */
  private readonly queues = new Set<string>();
  /** Where the shared workers' round robin stands. */
  private nextTeam = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.boss = new PgBoss({ connectionString: config.databaseUrl, schema: 'pgboss', max: 6 });
    // During a database outage pg-boss fails every poll (twice a second); one line per distinct error and
    // minute is enough, and the error's message, not the pg client object it carries.
    let last = { message: '', at: 0 };
    this.boss.on('error', (error) => {
      if (error.message === last.message && Date.now() - last.at < 60_000) return;
      last = { message: error.message, at: Date.now() };
      logger.error({ err: error.message, code: (error as { code?: string }).code }, 'pg-boss error');
    });
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    for (const queue of await this.boss.getQueues()) this.queues.add(queue.name);
    if (!this.queues.has(LEASE_QUEUE)) await this.boss.createQueue(LEASE_QUEUE, { name: LEASE_QUEUE });
  }

  async onModuleDestroy(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
  }

  /**
   * Starts taking lease-check jobs, handing each to `handler`. Work starts only
   * once there is a handler: a job taken before would be completed unchecked,
   * and its run would have no lease timer left.
   */
  async onLeaseCheck(handler: (runId: string) => Promise<void>): Promise<void> {
    await this.boss.work<RunJob>(LEASE_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 20 }, async (jobs) => {
      for (const job of jobs) await handler(job.data.runId);
    });
  }

  private async teamQueue(teamId: string): Promise<string> {
    const name = runQueueOf(teamId);
    if (!this.queues.has(name)) {
      // 'short': at most one waiting job per singletonKey, i.e. per run.
      if (!(await this.boss.getQueue(name))) await this.boss.createQueue(name, { name, policy: 'short' });
      this.queues.add(name);
    }
    return name;
  }

  /** At most one waiting job per run (singletonKey), so requeueing twice is a no-op. */
  async enqueue(run: { id: string; teamId: string; priority: number }): Promise<void> {
    await this.boss.send(await this.teamQueue(run.teamId), { runId: run.id } satisfies RunJob, {
      priority: run.priority,
      singletonKey: run.id,
      retryLimit: 0,
      expireInSeconds: 60,
    });
  }

  /**
   * Takes the next job for a worker serving `teamId` (null: a shared worker, every team in turn),
   * highest priority first within a team; the job is done once the run is claimed.
   */
  async take(teamId: string | null): Promise<string | null> {
    const names = teamId ? [runQueueOf(teamId)] : this.teamQueues();
    for (let i = 0; i < names.length; i++) {
      const name = names[(this.nextTeam + i) % names.length] as string;
      if (!this.queues.has(name)) continue;
      const [job] = await this.boss.fetch<RunJob>(name, { batchSize: 1, priority: true });
      if (!job) continue;
      await this.boss.complete(name, job.id);
      if (!teamId) this.nextTeam = (this.nextTeam + i + 1) % names.length;
      return job.data.runId;
    }
    return null;
  }

  private teamQueues(): string[] {
    return [...this.queues].filter((name) => name.startsWith(RUN_QUEUE_PREFIX)).sort();
  }

  async checkLeaseAfter(runId: string, seconds: number): Promise<void> {
    await this.boss.send(LEASE_QUEUE, { runId } satisfies RunJob, { startAfter: Math.max(1, Math.ceil(seconds)) });
  }

  /**
   * Queued runs without a waiting job: lost by a crash between fetch and claim. take() completes a job
   * right after fetching it, so a job still `active` after 10 s belongs to a process that died there.
   */
  async queuedRunsWithoutJob(): Promise<string[]> {
    const rows = await this.boss.getDb().executeSql(
      `SELECT r.id::text AS id FROM public."Run" r
        WHERE r.status = 'queued' AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j WHERE j.name = $1 || r."teamId"::text AND j.singleton_key = r.id::text
             AND (j.state IN ('created', 'retry')
                  OR (j.state = 'active' AND j.started_on > now() - interval '10 seconds')))`,
      [RUN_QUEUE_PREFIX],
    );
    return rows.rows.map((r: { id: string }) => r.id);
  }

  /** Running runs with no lease check waiting: nothing would notice their worker dying. */
  async runningRunsWithoutLeaseCheck(): Promise<string[]> {
    const rows = await this.boss.getDb().executeSql(
      `SELECT r.id::text AS id FROM public."Run" r
        WHERE r.status = 'running' AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j WHERE j.name = $1 AND j.data->>'runId' = r.id::text
             AND j.state IN ('created', 'retry', 'active'))`,
      [LEASE_QUEUE],
    );
    return rows.rows.map((r: { id: string }) => r.id);
  }

  async depth(): Promise<number> {
    let total = 0;
    for (const name of this.teamQueues()) total += await this.boss.getQueueSize(name);
    return total;
  }
}
