import { Injectable } from '@nestjs/common';
import type { EngineEvent, EpochMetricEvent, GradFlowEvent, IngestEventsRequest } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService, type RunEventType } from '../events/run-events.service.js';
import { OrchestratorMetrics } from '../observability/orchestrator-metrics.js';
import { RunsService } from '../runs/runs.service.js';

/**
 * Stores the engine events a worker forwards, in one transaction per batch.
 * Epoch metrics are keyed by (run, epoch, split) and grad-flow rows by (run,
 * epoch, block): a batch resent after a timeout, or replayed by a resumed run,
 * overwrites the same rows instead of adding new ones.
 */
@Injectable()
export class MetricIngestService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
    private readonly events: RunEventsService,
    private readonly metrics: OrchestratorMetrics,
  ) {}

  async ingest(runId: string, request: IngestEventsRequest): Promise<{ stored: number }> {
    const run = await this.runs.assertHeldBy(runId, request.workerId);
    const epochMetrics = request.events.filter((e): e is EpochMetricEvent => e.type === 'epoch_metric');
    const gradFlows = request.events.filter((e): e is GradFlowEvent => e.type === 'grad_flow');
    await this.prisma.$transaction([
      ...epochMetrics.map((m) => {
        const values = {
          loss: m.loss,
          accuracy: m.accuracy,
          precision: m.precision,
          recall: m.recall,
          f1: m.f1,
          perClass: m.perClass,
          lr: m.lr,
          seconds: m.seconds,
          top5: m.top5 ?? null,
          weightedPrecision: m.weighted?.precision ?? null,
          weightedRecall: m.weighted?.recall ?? null,
          weightedF1: m.weighted?.f1 ?? null,
          confusion: m.confusion ?? undefined,
        };
        return this.prisma.epochMetric.upsert({
          where: { runId_epoch_split: { runId, epoch: m.epoch, split: m.split } },
          create: { runId, epoch: m.epoch, split: m.split, ...values },
          update: values,
        });
      }),
      ...gradFlows.flatMap((g) =>
        g.blocks.map((b, blockIndex) => {
          const values = {
            blockIndex,
            paramGradNorm: b.paramGradNorm,
            inputGradNorm: b.inputGradNorm,
            activationNorm: b.activationNorm,
          };
          return this.prisma.gradFlow.upsert({
            where: { runId_epoch_block: { runId, epoch: g.epoch, block: b.name } },
            create: { runId, epoch: g.epoch, block: b.name, ...values },
            update: values,
          });
        }),
      ),
    ]);
    this.metrics.ingestBatches.inc();
    this.metrics.ingestedRows.inc(epochMetrics.length);
    await this.events.publishMany(
      request.events.filter(isStreamed).map((e) => ({ run, type: e.type as RunEventType, payload: streamPayload(e) })),
    );
    return { stored: epochMetrics.length + gradFlows.length };
  }

  list(runId: string) {
    return this.prisma.epochMetric.findMany({ where: { runId }, orderBy: [{ epoch: 'asc' }, { split: 'asc' }] });
  }

  gradFlow(runId: string) {
    return this.prisma.gradFlow.findMany({ where: { runId } });
  }
}

function isStreamed(event: EngineEvent): event is EpochMetricEvent | GradFlowEvent {
  return event.type === 'epoch_metric' || event.type === 'grad_flow';
}

/** The event as clients see it: the engine's envelope (v, time) stays behind. */
function streamPayload(event: EpochMetricEvent | GradFlowEvent): object {
  const { v: _v, time: _time, type: _type, ...rest } = event;
  return rest;
}
