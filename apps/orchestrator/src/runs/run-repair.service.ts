import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DatabaseHealthService } from '../database/database-health.service.js';
import { PrismaService } from '../database/prisma.service.js';
import { logger } from '../logger.js';
import { RunQueueService } from '../queue/run-queue.service.js';

/**
 * Puts back what a crash or an outage can leave half done, at start and then once every lease:
 * - a queued run without a job (the process died, or the database went away, between taking the job and
 *   claiming the run) is enqueued again;
 * - a running run without a lease check (the check's job was lost) gets one, so a dead worker is noticed.
 * Both queries must find nothing on a healthy platform; the fault tests assert that they do.
 */
@Injectable()
export class RunRepairService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: RunQueueService,
    private readonly database: DatabaseHealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.repair();
    this.timer = setInterval(() => void this.repair().catch(() => {}), this.config.leaseSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Returns how many runs it repaired. */
  async repair(): Promise<number> {
    if (this.running || !this.database.isUp) return 0;
    this.running = true;
    let repaired = 0;
    try {
      for (const runId of await this.queue.runningRunsWithoutLeaseCheck()) {
        await this.queue.checkLeaseAfter(runId, this.config.leaseSeconds + 1);
        logger.warn({ runId }, 'running run had no lease check; scheduled one');
        repaired++;
      }
      for (const runId of await this.queue.queuedRunsWithoutJob()) {
        const run = await this.prisma.run.findUnique({
          where: { id: runId },
          select: { id: true, teamId: true, status: true, priority: true, kind: true, config: true },
        });
        if (run?.status !== 'queued') continue;
        await this.queue.enqueue(run);
        logger.warn({ runId }, 'queued run had no job; enqueued again');
        repaired++;
      }
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'repair sweep failed; next one in a lease');
    } finally {
      this.running = false;
    }
    return repaired;
  }
}
