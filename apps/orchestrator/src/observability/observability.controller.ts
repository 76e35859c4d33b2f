import { Controller, Get, Header } from '@nestjs/common';
import { PROTOCOL_VERSION, RUN_STATUSES } from '@reslab/contracts';
import { DatabaseHealthService } from '../database/database-health.service.js';
import { PrismaService } from '../database/prisma.service.js';
import { Access } from '../identity/access-policy.js';
import { RunQueueService } from '../queue/run-queue.service.js';
import { OrchestratorMetrics } from './orchestrator-metrics.js';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly database: DatabaseHealthService,
    private readonly queue: RunQueueService,
    private readonly metrics: OrchestratorMetrics,
  ) {}

  /**
   * 200 while the process serves, `degraded` while the database is unreachable: the orchestrator is alive
   * and keeps every lease (a liveness probe must not restart it), but cannot schedule or store anything.
   */
  @Access({ who: 'public' })
  @Get('health')
  health(): { status: 'ok' | 'degraded'; protocolVersion: number; database: string; downSince: string | null } {
    return {
      status: this.database.isUp ? 'ok' : 'degraded',
      protocolVersion: PROTOCOL_VERSION,
      ...this.database.status(),
    };
  }

  /** Prometheus text format; gauges are read from the database at scrape time. */
  @Access({ who: 'public' })
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async prometheus(): Promise<string> {
    this.metrics.queueDepth.set(await this.queue.depth());
    const counts = await this.prisma.run.groupBy({ by: ['status'], _count: { _all: true } });
    for (const status of RUN_STATUSES) {
      this.metrics.runsByStatus.set({ status }, counts.find((c) => c.status === status)?._count._all ?? 0);
    }
    return this.metrics.registry.metrics();
  }
}
