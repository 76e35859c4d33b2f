import { Injectable } from '@nestjs/common';
import type {
  AnalysisPartEvent,
  CurvatureEvent,
  EngineEvent,
  EpochMetricEvent,
  GradFlowEvent,
  IngestEventsRequest,
  RunEventBody,
} from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import { Prisma } from '../generated/prisma/client.js';
import { OrchestratorMetrics } from '../observability/orchestrator-metrics.js';
import { lockHeldRun } from '../runs/run-fence.js';

/**
 * Stores the engine events a worker forwards, in one transaction per batch.
 * Epoch metrics are keyed by (run, epoch, split) and grad-flow rows by (run,
 * epoch, block): a batch resent after a timeout, or replayed by a resumed run,
 * overwrites the same rows instead of adding new ones.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: RunEventsService,
    private readonly metrics: OrchestratorMetrics,
  ) {}

  /**
   * Stores a batch if its writer holds the run's current attempt (else 409, see run-fence.ts), at most once
   * per (attempt, seq): the metric rows and their event-log entries commit together, and a batch resent
   * because its answer was lost (an orchestrator killed mid-request) is acknowledged and not stored twice.
   */
  async ingest(runId: string, request: IngestEventsRequest): Promise<{ stored: number; duplicate: boolean }> {
    const epochMetrics = request.events.filter((e): e is EpochMetricEvent => e.type === 'epoch_metric');
    const gradFlows = request.events.filter((e): e is GradFlowEvent => e.type === 'grad_flow');
    const parts = request.events.filter((e): e is AnalysisPartEvent => e.type === 'analysis_part');
    const curvatures = request.events.filter((e): e is CurvatureEvent => e.type === 'curvature');
    const started = request.events.findLast((e) => e.type === 'analysis_started');
    const classNames = request.events.findLast((e) => e.type === 'run_started')?.classNames;
    const result = await this.prisma.$transaction(async (tx) => {
      const deliveredSeq = await lockHeldRun(tx, runId, request);
      if (request.seq <= deliveredSeq) return null;
      if (epochMetrics.length) await tx.$executeRaw(upsertEpochMetrics(runId, epochMetrics));
      if (gradFlows.length) await tx.$executeRaw(upsertGradFlows(runId, gradFlows));
      for (const { v: _v, time: _t, type: _type, epoch, ...values } of curvatures) {
        await tx.epochCurvature.upsert({
          where: { runId_epoch: { runId, epoch } },
          create: { runId, epoch, ...values },
          update: values,
        });
      }
      const progress = parts.at(-1) ?? started;
      const run = await tx.run.update({
        where: { id: runId },
        data: {
          deliveredSeq: request.seq,
          ...(progress && { analysisDone: progress.done, analysisUnits: progress.units }),
          ...(classNames && { classNames }),
        },
        select: { id: true, sweepId: true, analysisId: true, analysisChunk: true },
      });
      if (parts.length && run.analysisId)
        await tx.$executeRaw(upsertAnalysisParts(run.analysisId, run.analysisChunk ?? 0, parts));
      return this.events.append(
        tx,
        request.events.filter(isStreamed).map((e) => ({ run, ...streamed(e, run.analysisChunk ?? 0) })),
      );
    });
    if (!result) return { stored: 0, duplicate: true };
    this.events.emit(result);
    this.metrics.ingestBatches.inc();
    this.metrics.ingestedRows.inc(epochMetrics.length);
    return {
      stored: epochMetrics.length + gradFlows.length + parts.length + curvatures.length,
      duplicate: false,
    };
  }

  list(runId: string) {
    return this.prisma.epochMetric.findMany({ where: { runId }, orderBy: [{ epoch: 'asc' }, { split: 'asc' }] });
  }

  gradFlow(runId: string) {
    return this.prisma.gradFlow.findMany({ where: { runId } });
  }
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** An epoch_metric event less its envelope: what the engine sends, and what an external run's log_epoch sends. */
export type EpochRow = Omit<EpochMetricEvent, 'v' | 'time' | 'type'>;

/**
 * One INSERT ... ON CONFLICT for the whole batch: 1,922 rows/s against 844 with an upsert per row, at 50 rows
 * per request (benchmarks/ingest.ts).
 * A key repeated inside one batch keeps its last event, since Postgres refuses to update a row twice in
 * one statement.
 */
export function upsertEpochMetrics(runId: string, events: EpochRow[]): Prisma.Sql {
  const latest = new Map(events.map((m) => [`${m.epoch}:${m.split}`, m]));
  const rows = [...latest.values()].map(
    (m) => Prisma.sql`(${runId}::uuid, ${m.epoch}, ${m.split}::"Split", ${m.loss}, ${m.accuracy}, ${m.precision},
      ${m.recall}, ${m.f1}, ${json(m.perClass)}::jsonb, ${m.lr}, ${m.seconds}, ${m.top5 ?? null}::double precision,
      ${m.weighted?.precision ?? null}::double precision, ${m.weighted?.recall ?? null}::double precision,
      ${m.weighted?.f1 ?? null}::double precision, ${json(m.confusion)}::jsonb)`,
  );
  return Prisma.sql`INSERT INTO "EpochMetric" ("runId", "epoch", "split", "loss", "accuracy", "precision", "recall",
      "f1", "perClass", "lr", "seconds", "top5", "weightedPrecision", "weightedRecall", "weightedF1", "confusion")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("runId", "epoch", "split") DO UPDATE SET
      "loss" = EXCLUDED."loss", "accuracy" = EXCLUDED."accuracy", "precision" = EXCLUDED."precision",
      "recall" = EXCLUDED."recall", "f1" = EXCLUDED."f1", "perClass" = EXCLUDED."perClass", "lr" = EXCLUDED."lr",
      "seconds" = EXCLUDED."seconds", "top5" = EXCLUDED."top5", "weightedPrecision" = EXCLUDED."weightedPrecision",
      "weightedRecall" = EXCLUDED."weightedRecall", "weightedF1" = EXCLUDED."weightedF1",
      "confusion" = EXCLUDED."confusion"`;
}

/**
 * Every block of every grad_flow event in one INSERT ... ON CONFLICT, as upsertEpochMetrics: an upsert per block
 * (up to 4 x 120 rows for a resumed ResNet-110 batch) outlasted Prisma's 5 s interactive transaction on a loaded
 * 2-core machine, and the batch answered 500 each time it was resent.
 */
function upsertGradFlows(runId: string, events: GradFlowEvent[]): Prisma.Sql {
  const latest = new Map(
    events.flatMap((g) => g.blocks.map((b, blockIndex) => [`${g.epoch}:${b.name}`, { epoch: g.epoch, blockIndex, b }])),
  );
  const rows = [...latest.values()].map(
    ({ epoch, blockIndex, b }) =>
      Prisma.sql`(${runId}::uuid, ${epoch}, ${b.name}, ${blockIndex}, ${b.paramGradNorm}::double precision,
        ${b.inputGradNorm}::double precision, ${b.activationNorm}::double precision)`,
  );
  return Prisma.sql`INSERT INTO "GradFlow" ("runId", "epoch", "block", "blockIndex", "paramGradNorm", "inputGradNorm",
      "activationNorm") VALUES ${Prisma.join(rows)}
    ON CONFLICT ("runId", "epoch", "block") DO UPDATE SET "blockIndex" = EXCLUDED."blockIndex",
      "paramGradNorm" = EXCLUDED."paramGradNorm", "inputGradNorm" = EXCLUDED."inputGradNorm",
      "activationNorm" = EXCLUDED."activationNorm"`;
}

/**
 * An analysis's parts keyed by (analysis, part): a resumed job that re-emits the parts it kept, or a batch resent,
 * overwrites the same rows. A part repeated in one batch keeps its last value, as in upsertEpochMetrics.
 */
function upsertAnalysisParts(analysisId: string, chunk: number, events: AnalysisPartEvent[]): Prisma.Sql {
  const latest = new Map(events.map((e) => [e.part, e]));
  const rows = [...latest.values()].map(
    (e) => Prisma.sql`(${analysisId}::uuid, ${e.part}, ${chunk}, ${JSON.stringify(e.data)}::jsonb)`,
  );
  return Prisma.sql`INSERT INTO "AnalysisPart" ("analysisId", "part", "chunk", "data") VALUES ${Prisma.join(rows)}
    ON CONFLICT ("analysisId", "part") DO UPDATE SET "chunk" = EXCLUDED."chunk", "data" = EXCLUDED."data"`;
}

type StreamedEvent = EpochMetricEvent | GradFlowEvent | CurvatureEvent | AnalysisPartEvent;
const STREAMED = new Set<EngineEvent['type']>(['epoch_metric', 'grad_flow', 'curvature', 'analysis_part']);

function isStreamed(event: EngineEvent): event is StreamedEvent {
  return STREAMED.has(event.type);
}

/**
 * The event as clients see it: the engine's envelope (v, time) stays behind, and so does an epoch's confusion
 * matrix (classes² counts: 10,000 for 100 classes, more than the rest of the payload), which EpochMetric keeps
 * once per (run, epoch, split). `hasConfusion` tells a client there is one to fetch (GET /runs/:id/metrics).
 */
function streamed(event: StreamedEvent, chunk: number): RunEventBody {
  if (event.type === 'analysis_part') {
    const { part, data, done, units } = event;
    return { type: 'analysis_part', payload: { part, chunk, data, done, units } };
  }
  if (event.type === 'grad_flow') {
    const { v: _v, time: _time, type, ...payload } = event;
    return { type, payload };
  }
  if (event.type === 'curvature') {
    const { v: _v, time: _time, type, ...payload } = event;
    return { type, payload };
  }
  const { v: _v, time: _time, type: _type, ...epoch } = event;
  return streamedEpoch(epoch);
}

/** An epoch as clients see it (see `streamed`): its confusion matrix stays in EpochMetric. */
export function streamedEpoch(epoch: EpochRow): RunEventBody {
  const { confusion, ...rest } = epoch;
  return { type: 'epoch_metric', payload: { ...rest, hasConfusion: !!confusion } };
}
