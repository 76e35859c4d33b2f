import { Injectable } from '@nestjs/common';
import type { EpochMetricEvent, IngestEventsRequest } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import { RunsService } from '../runs/runs.service.js';

/**
 * Stores the engine events a worker forwards. Epoch metrics are keyed by
 * (run, epoch, split): a batch the worker resends after a timeout overwrites
 * the same rows instead of adding new ones.
 */
@Injectable()
export class MetricIngestService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
  ) {}

  async ingest(runId: string, request: IngestEventsRequest): Promise<{ stored: number }> {
    await this.runs.assertHeldBy(runId, request.workerId);
    const metrics = request.events.filter((e): e is EpochMetricEvent => e.type === 'epoch_metric');
    await this.prisma.$transaction(
      metrics.map((m) => {
        const values = {
          loss: m.loss,
          accuracy: m.accuracy,
          precision: m.precision,
          recall: m.recall,
          f1: m.f1,
          perClass: m.perClass,
          lr: m.lr,
          seconds: m.seconds,
        };
        return this.prisma.epochMetric.upsert({
          where: { runId_epoch_split: { runId, epoch: m.epoch, split: m.split } },
          create: { runId, epoch: m.epoch, split: m.split, ...values },
          update: values,
        });
      }),
    );
    return { stored: metrics.length };
  }

  list(runId: string) {
    return this.prisma.epochMetric.findMany({ where: { runId }, orderBy: [{ epoch: 'asc' }, { split: 'asc' }] });
  }
}
