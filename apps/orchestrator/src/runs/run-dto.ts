import type { EpochMetricDto, GradFlowDto, RunConfig, RunDto, RunRowDto } from '@reslab/contracts';
import type { EpochMetric, GradFlow, Run } from '../generated/prisma/client.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toRunDto(run: Run): RunDto {
  return {
    id: run.id,
    experimentId: run.experimentId,
    name: run.name,
    status: run.status,
    config: run.config as RunConfig,
    attempt: run.attempt,
    workerId: run.workerId,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    failureReason: run.failureReason,
    exitCode: run.exitCode,
    stderrTail: run.stderrTail,
    sweepId: run.sweepId,
    params: run.params as RunDto['params'],
    priority: run.priority,
    maxAttempts: run.maxAttempts,
    leaseExpiresAt: iso(run.leaseExpiresAt),
    cancelRequestedAt: iso(run.cancelRequestedAt),
    finalVal:
      run.finalValEpoch === null ||
      run.finalValLoss === null ||
      run.finalValAccuracy === null ||
      run.finalValF1 === null
        ? null
        : { epoch: run.finalValEpoch, loss: run.finalValLoss, accuracy: run.finalValAccuracy, f1: run.finalValF1 },
    classNames: run.classNames as RunDto['classNames'],
  };
}

/** What the runs list shows of a run (GET /runs/rows). */
export function toRunRowDto(run: Run): RunRowDto {
  const config = run.config as RunConfig;
  const { id, name, status, attempt, queuedAt, finishedAt, failureReason, sweepId, finalVal } = toRunDto(run);
  return {
    id,
    name,
    status,
    attempt,
    queuedAt,
    finishedAt,
    failureReason,
    sweepId,
    finalVal,
    model: { arch: config.model.arch, depth: config.model.depth },
    dataset: config.data.dataset,
    epochs: config.epochs,
  };
}

export function toEpochMetricDto(m: EpochMetric): EpochMetricDto {
  return {
    runId: m.runId,
    epoch: m.epoch,
    split: m.split,
    loss: m.loss,
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    perClass: m.perClass as EpochMetricDto['perClass'],
    lr: m.lr,
    seconds: m.seconds,
    top5: m.top5,
    weighted:
      m.weightedPrecision === null || m.weightedRecall === null || m.weightedF1 === null
        ? null
        : { precision: m.weightedPrecision, recall: m.weightedRecall, f1: m.weightedF1 },
    confusion: m.confusion as EpochMetricDto['confusion'],
  };
}

/** Rows of one run, grouped by epoch, blocks in input-to-output order. */
export function toGradFlowDtos(runId: string, rows: GradFlow[]): GradFlowDto[] {
  const byEpoch = new Map<number, GradFlowDto>();
  for (const row of [...rows].sort((a, b) => a.epoch - b.epoch || a.blockIndex - b.blockIndex)) {
    const entry = byEpoch.get(row.epoch) ?? { runId, epoch: row.epoch, blocks: [] };
    entry.blocks.push({
      name: row.block,
      index: row.blockIndex,
      paramGradNorm: row.paramGradNorm,
      inputGradNorm: row.inputGradNorm,
      activationNorm: row.activationNorm,
    });
    byEpoch.set(row.epoch, entry);
  }
  return [...byEpoch.values()];
}
