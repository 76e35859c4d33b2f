import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import { logger } from '../logger.js';

/** Runs whose events one statement deletes: keeps each transaction short when a backlog has built up. */
const PRUNE_BATCH_RUNS = 200;

/**
 * The retention policy of the RunEvent log. The log exists so a client can
 * replay what it missed while a run is live; once a run has been finished for
 * RESLAB_EVENT_RETENTION_HOURS, its snapshot (EpochMetric, GradFlow, the run
 * row) says everything, so its events are deleted and the log stays bounded
 * by the runs of the retention window. Each pruned run records the newest id
 * deleted (`Run.eventsPrunedThrough`), so a replay from before it answers
 * `resync` instead of silently skipping events.
 *
 * A pass runs once per lease period.
 */
@Injectable()
export class EventRetentionService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private pruning = false;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.pass(), this.config.leaseSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes the events of every run that finished before the retention window; answers how many. */
  async pruneEvents(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.eventRetentionHours * 3_600_000);
    let total = 0;
    for (;;) {
      // A run retried after its events were pruned has finishedAt null until it ends again, and then new
      // events above eventsPrunedThrough: those are found, deleted and the mark moved up, in one statement.
      const [result] = await this.prisma.$queryRaw<{ deleted: number }[]>`
        WITH doomed AS (
          SELECT r.id FROM "Run" r
           WHERE r."finishedAt" < ${cutoff}
             AND r.status IN ('succeeded', 'failed', 'cancelled')
             AND EXISTS (SELECT 1 FROM "RunEvent" e WHERE e."runId" = r.id)
           LIMIT ${PRUNE_BATCH_RUNS}
        ), gone AS (
          DELETE FROM "RunEvent" e USING doomed d WHERE e."runId" = d.id RETURNING e."runId", e.id
        ), marked AS (
          UPDATE "Run" r SET "eventsPrunedThrough" = GREATEST(r."eventsPrunedThrough", g.through)
            FROM (SELECT "runId", max(id) AS through FROM gone GROUP BY "runId") g
           WHERE r.id = g."runId"
        )
        SELECT count(*)::int AS deleted FROM gone`;
      const deleted = result?.deleted ?? 0;
      total += deleted;
      if (deleted === 0) return total;
    }
  }

  /** One timer tick; a database outage is logged and the next tick tries again, never crashing the process. */
  private async pass(): Promise<void> {
    if (this.pruning) return;
    this.pruning = true;
    try {
      const deleted = await this.pruneEvents();
      if (deleted) logger.info({ deleted, retentionHours: this.config.eventRetentionHours }, 'run events pruned');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'pruning run events failed; retrying next lease period');
    } finally {
      this.pruning = false;
    }
  }
}
