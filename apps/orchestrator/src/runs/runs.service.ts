import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { CreateRunRequest, FinishRunRequest, RunAssignment, RunConfig, RunStatus } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import type { Run } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { RunQueueService } from '../queue/run-queue.service.js';

@Injectable()
export class RunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: RunQueueService,
  ) {}

  async create(request: CreateRunRequest): Promise<Run> {
    const run = await this.prisma.$transaction(async (tx) => {
      const team = await tx.team.upsert({
        where: { slug: request.team },
        create: { slug: request.team, name: request.team },
        update: {},
      });
      const project = await tx.project.upsert({
        where: { teamId_slug: { teamId: team.id, slug: request.project } },
        create: { teamId: team.id, slug: request.project, name: request.project },
        update: {},
      });
      const experiment = await tx.experiment.upsert({
        where: { projectId_name: { projectId: project.id, name: request.experiment } },
        create: { projectId: project.id, name: request.experiment },
        update: {},
      });
      return tx.run.create({
        data: { experimentId: experiment.id, name: request.name ?? null, config: request.config },
      });
    });
    try {
      await this.queue.enqueue(run.id);
    } catch (error) {
      // Without a job the run would wait forever; better to refuse the request whole.
      await this.prisma.run.delete({ where: { id: run.id } });
      throw error;
    }
    logger.info({ runId: run.id }, 'run queued');
    return run;
  }

  list(status?: RunStatus, limit = 500): Promise<Run[]> {
    return this.prisma.run.findMany({
      where: status ? { status } : {},
      orderBy: { queuedAt: 'desc' },
      take: limit,
    });
  }

  async get(id: string): Promise<Run> {
    const run = await this.prisma.run.findUnique({ where: { id } });
    if (!run) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `run ${id} does not exist` });
    return run;
  }

  /** Hands the next queued run to a worker, or null when the queue is empty. */
  async claimNext(workerId: string): Promise<RunAssignment | null> {
    for (;;) {
      const runId = await this.queue.take();
      if (!runId) return null;
      const claimed = await this.prisma.run.updateManyAndReturn({
        where: { id: runId, status: 'queued' },
        data: { status: 'running', workerId, attempt: { increment: 1 }, startedAt: new Date() },
      });
      const run = claimed[0];
      if (!run) {
        // Cancelled (or deleted) while queued: settle the job and look further.
        await this.queue.settle(runId, true);
        continue;
      }
      logger.info({ runId, workerId, attempt: run.attempt }, 'run claimed');
      return { runId: run.id, attempt: run.attempt, config: run.config as RunConfig };
    }
  }

  /** Refuses writes from any worker but the one that holds the running run. */
  async assertHeldBy(runId: string, workerId: string): Promise<Run> {
    const run = await this.get(runId);
    if (run.status !== 'running' || run.workerId !== workerId) {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: `run ${runId} is not held by worker ${workerId} (status ${run.status})`,
      });
    }
    return run;
  }

  async finish(runId: string, report: FinishRunRequest): Promise<Run> {
    await this.assertHeldBy(runId, report.workerId);
    const run = await this.prisma.run.update({
      where: { id: runId },
      data: {
        status: report.status,
        finishedAt: new Date(),
        exitCode: report.exitCode,
        failureReason: report.status === 'failed' ? (report.failureReason ?? 'the engine failed') : null,
        stderrTail: report.stderrTail,
      },
    });
    await this.queue.settle(runId, report.status === 'succeeded');
    logger.info({ runId, status: run.status, exitCode: run.exitCode }, 'run finished');
    return run;
  }
}
