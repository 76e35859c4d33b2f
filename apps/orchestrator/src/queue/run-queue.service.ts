import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { logger } from '../logger.js';

export const RUN_QUEUE = 'runs';
export const LEASE_QUEUE = 'lease-check';

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
 */
@Injectable()
export class RunQueueService implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;

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
    // 'short': at most one waiting job per singletonKey, i.e. per run.
    await this.boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE, policy: 'short' });
    await this.boss.createQueue(LEASE_QUEUE, { name: LEASE_QUEUE });
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

  /** At most one waiting job per run (singletonKey), so requeueing twice is a no-op. */
  async enqueue(runId: string, priority = 0): Promise<void> {
    await this.boss.send(RUN_QUEUE, { runId } satisfies RunJob, {
      priority,
      singletonKey: runId,
      retryLimit: 0,
      expireInSeconds: 60,
    });
  }

  /** Takes the next job off the queue, highest priority first; the job is done once the run is claimed. */
  async take(): Promise<string | null> {
    const [job] = await this.boss.fetch<RunJob>(RUN_QUEUE, { batchSize: 1, priority: true });
    if (!job) return null;
    await this.boss.complete(RUN_QUEUE, job.id);
    return job.data.runId;
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
          SELECT 1 FROM pgboss.job j WHERE j.name = $1 AND j.singleton_key = r.id::text
             AND (j.state IN ('created', 'retry')
                  OR (j.state = 'active' AND j.started_on > now() - interval '10 seconds')))`,
      [RUN_QUEUE],
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
    return this.boss.getQueueSize(RUN_QUEUE);
  }
}
