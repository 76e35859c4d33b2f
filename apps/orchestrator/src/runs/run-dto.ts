import type { EpochMetricDto, RunConfig, RunDto } from '@reslab/contracts';
import type { EpochMetric, Run } from '../generated/prisma/client.js';

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
  };
}
