import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { logger } from '../logger.js';

export const RUN_QUEUE = 'runs';

interface RunJob {
  runId: string;
}

/**
 * The run queue, kept by pg-boss in its own `pgboss` schema of the same
 * Postgres. pg-boss owns claiming (FOR UPDATE SKIP LOCKED), so two workers can
 * never take one job; the Run table stays the source of truth for status.
 */
@Injectable()
export class RunQueueService implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.boss = new PgBoss({ connectionString: config.databaseUrl, schema: 'pgboss', max: 4 });
    this.boss.on('error', (error) => logger.error({ err: error }, 'pg-boss error'));
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(RUN_QUEUE);
  }

  async onModuleDestroy(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
  }

  /** The job id is the run id, so enqueueing a run twice is a no-op. */
  async enqueue(runId: string, priority = 0): Promise<void> {
    await this.boss.send(RUN_QUEUE, { runId } satisfies RunJob, {
      id: runId,
      priority,
      retryLimit: 0,
      // pg-boss caps a job's expiry below 24 h; long runs need heartbeat leases (the scheduling issue).
      expireInSeconds: 23 * 3600,
    });
  }

  /** Takes the next run off the queue, highest priority first, or null. */
  async take(): Promise<string | null> {
    const [job] = await this.boss.fetch<RunJob>(RUN_QUEUE, { batchSize: 1, priority: true });
    return job ? job.data.runId : null;
  }

  async settle(runId: string, ok: boolean): Promise<void> {
    if (ok) await this.boss.complete(RUN_QUEUE, runId);
    else await this.boss.fail(RUN_QUEUE, runId);
  }
}
