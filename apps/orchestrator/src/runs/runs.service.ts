import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type {
  CreateRunRequest,
  FinishRunRequest,
  HeldAttempt,
  ListRunsQuery,
  Page,
  RunAssignment,
  RunConfig,
  RunCurvesDto,
  RunCurvesQuery,
  RunDto,
  RunRowDto,
  RunSnapshot,
} from '@reslab/contracts';
import { analysisAssignment } from '../analyses/analysis-assignment.js';
import { conflict, invalidField, notFound } from '../common/api-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DatabaseHealthService } from '../database/database-health.service.js';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { Prisma, type Run } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { OrchestratorMetrics } from '../observability/orchestrator-metrics.js';
import { RunQueueService } from '../queue/run-queue.service.js';
import { nodesOf } from '../queue/run-slots.js';
import { readCurves } from './run-curves.js';
import { toEpochMetricDto, toGradFlowDtos, toRunDto, toRunRowDto } from './run-dto.js';
import { fenced, isHeldBy } from './run-fence.js';
import { resourcesRefusal } from './run-fit.js';
import { isGangNodeOf, nodeOf, RunGangService } from './run-gang.service.js';
import { after, decodeRunCursor, encodeRunCursor, keyOf, orderBy, runOrder } from './run-order.js';
import { afterLostAttempt, cancelAction, retryRefusal } from './run-transitions.js';

const DEFAULT_MAX_ATTEMPTS = 3;

/** The run lifecycle: queued -> running -> succeeded | failed | cancelled, with requeues in between (run-transitions.ts). */
@Injectable()
export class RunsService implements OnApplicationBootstrap {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queue: RunQueueService,
    private readonly gang: RunGangService,
    private readonly events: RunEventsService,
    private readonly metrics: OrchestratorMetrics,
    private readonly experiments: ExperimentsService,
    private readonly database: DatabaseHealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // No worker could heartbeat while the orchestrator was down, so a lease that ran out meanwhile says
    // nothing about its worker: every running run gets a whole lease from now. A live worker renews it
    // within a beat; a dead one loses it one lease later. The same holds after a database outage.
    if (await this.anotherReplicaAnswering()) {
      logger.info('a worker beat within half a lease: another replica is answering, so leases stay as they are');
    } else {
      await this.extendLeases('orchestrator start');
    }
    this.database.onRecovered(() => this.extendLeases('database outage'));
    await this.queue.onLeaseCheck((runId) => this.checkLease(runId));
  }

  /**
   * Whether some worker's heartbeat was stored within the last half lease: then another orchestrator replica was
   * answering while this one was down, the live workers renewed their leases there (every lease/3), and extending
   * them all would only postpone the requeue of a dead worker's run, by a lease at each start of a replica that
   * restarts again and again. Workers beat every third of a lease, so one that is alive has beaten this recently
   * wherever any replica answers.
   */
  private async anotherReplicaAnswering(): Promise<boolean> {
    const since = new Date(Date.now() - (this.config.leaseSeconds * 1000) / 2);
    return (await this.prisma.worker.count({ where: { lastHeartbeatAt: { gt: since }, revokedAt: null } })) > 0;
  }

  /** Gives every running run a whole lease from now. */
  private async extendLeases(reason: string): Promise<void> {
    const { count } = await this.prisma.run.updateMany({
      // An external run is held by no worker and has no lease: its script ends it.
      where: { status: 'running', kind: { not: 'external' } },
      data: { leaseExpiresAt: new Date(Date.now() + this.config.leaseSeconds * 1000) },
    });
    if (count) logger.info({ runs: count, after: reason }, 'leases of running runs restarted');
  }

  async create(request: CreateRunRequest): Promise<Run> {
    const run = await this.prisma.$transaction(async (tx) => {
      const { experimentId, teamId } = await this.experiments.ensure(tx, request.project, request.experiment);
      await this.checkFits(tx, teamId, [request.config]);
      return tx.run.create({
        data: {
          experimentId,
          teamId,
          name: request.name ?? null,
          config: request.config,
          arch: request.config.model.arch,
          depth: request.config.model.depth,
          priority: request.priority,
          maxAttempts: request.maxAttempts,
        },
      });
    });
    await this.afterCreate([run]);
    return run;
  }

  /**
   * Refuses (400) run configs whose `resources` no worker seen for `teamId` (its own or shared, registered and not
   * revoked) could hold: more slots than the largest has, or more nodes than there are workers that large.
   */
  async checkFits(tx: Prisma.TransactionClient, teamId: string, configs: RunConfig[]): Promise<void> {
    const workers = await tx.worker.findMany({
      where: { revokedAt: null, OR: [{ teamId }, { teamId: null }] },
      select: { slots: true },
    });
    const refusal = resourcesRefusal(
      configs.map((c) => c.resources),
      workers.map((w) => w.slots),
    );
    if (refusal) throw invalidField(refusal.path, refusal.message);
  }

  /** Enqueues freshly stored runs; if the queue refuses, the runs are removed so none waits forever. */
  async afterCreate(runs: Run[]): Promise<void> {
    try {
      // `queued` goes into the log before any job exists: a worker may claim a run (and log `running`)
      // as soon as its job is sent, while the rest of a sweep is still being enqueued.
      await this.events.publishMany(
        runs.map((run) => ({ run, type: 'status', payload: { status: 'queued', attempt: 0 } })),
      );
      for (const run of runs) await this.queue.enqueue(run);
    } catch (error) {
      await this.prisma.run.deleteMany({ where: { id: { in: runs.map((r) => r.id) } } });
      throw error;
    }
    for (const run of runs) logger.info({ runId: run.id }, 'run queued');
  }

  /** One page of runs matching `query`'s filters, in its order (run-order.ts), after its cursor. */
  list(query: ListRunsQuery): Promise<Page<RunDto>> {
    return this.page(query, toRunDto);
  }

  /** The same page as `list`, each run as a list row (GET /runs/rows). */
  listRows(query: ListRunsQuery): Promise<Page<RunRowDto>> {
    return this.page(query, toRunRowDto);
  }

  private async page<T>(query: ListRunsQuery, toItem: (run: Run) => T): Promise<Page<T>> {
    const order = runOrder(query);
    const key = query.cursor === undefined ? undefined : decodeRunCursor(order, query.cursor);
    if (key === null)
      throw invalidField('cursor', `is not a nextCursor of a previous page sorted by ${order.sort} ${order.order}`);
    const rows = await this.prisma.run.findMany({
      where: {
        AND: [
          {
            // Analysis jobs are runs too (queue, lease, fence), but the runs list is of training runs.
            kind: 'train',
            id: query.ids && { in: query.ids },
            status: query.status && { in: query.status },
            sweepId: query.sweepId,
            workerId: query.workerId,
            arch: query.arch && { in: query.arch },
            depth: query.depth && { in: query.depth },
          },
          after(order, key),
        ],
      },
      orderBy: orderBy(order),
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(toItem),
      nextCursor: rows.length > query.limit && last ? encodeRunCursor(order, keyOf(order, last)) : null,
    };
  }

  /** The curves of the runs named in `query.ids` that the caller can see (read through the scoped client). */
  async curves(query: RunCurvesQuery): Promise<RunCurvesDto> {
    const visible = await this.prisma.run.findMany({ where: { id: { in: query.ids } }, select: { id: true } });
    if (!visible.length) return { curves: [] };
    const ids = visible.map((r) => r.id);
    return { curves: await readCurves(this.prisma, Prisma.sql`r.id = ANY(${ids}::uuid[])`, query) };
  }

  async get(id: string): Promise<Run> {
    const run = await this.prisma.run.findUnique({ where: { id } });
    if (!run) throw notFound(`run ${id}`);
    return run;
  }

  /**
   * A run with a RunConfig, as GET /runs/:id answers it (404 otherwise): an external run has none (its config is
   * its script's), and is read at /external-runs/:id.
   */
  async getConfigured(id: string): Promise<Run> {
    const run = await this.get(id);
    if (run.kind === 'external') throw notFound(`run ${id}`, `is an external run: read it at /external-runs/${id}`);
    return run;
  }

  /** A run the queue can act on (cancel, retry): a 409 for an external run, which its script ends. */
  private async getQueueable(id: string): Promise<Run> {
    const run = await this.get(id);
    if (run.kind === 'external') {
      throw conflict(
        `run ${id} is an external run: no queue holds it; its script ends it (POST /external-runs/${id}/end)`,
      );
    }
    return run;
  }

  /** What a client subscribing to a run sees first. */
  async snapshot(id: string): Promise<RunSnapshot> {
    // The event id is read first: whatever happens after it is both in the snapshot and replayed (clients
    // drop duplicates by id), but nothing can fall between the two.
    const lastEventId = await this.events.lastId({ runId: id });
    const run = await this.getConfigured(id);
    const [metrics, gradFlow, curvature] = await Promise.all([
      this.prisma.epochMetric.findMany({ where: { runId: id }, orderBy: [{ epoch: 'asc' }, { split: 'asc' }] }),
      this.prisma.gradFlow.findMany({ where: { runId: id } }),
      this.prisma.epochCurvature.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' } }),
    ]);
    return {
      run: toRunDto(run),
      metrics: metrics.map(toEpochMetricDto),
      gradFlow: toGradFlowDtos(id, gradFlow),
      curvature: curvature.map(({ id: _id, runId: _runId, ...row }) => row),
      lastEventId,
    };
  }

  private async transition(
    run: Run,
    data: Prisma.RunUncheckedUpdateManyInput,
    expected: Prisma.RunWhereInput,
  ): Promise<Run | null> {
    const [updated] = await this.prisma.run.updateManyAndReturn({ where: { id: run.id, ...expected }, data });
    return updated ? this.announce(updated) : null;
  }

  /** Logs a run's new status (the event log, then the stream). */
  private async announce(updated: Run): Promise<Run> {
    await this.events.publish(updated, 'status', {
      status: updated.status,
      attempt: updated.attempt,
      workerId: updated.workerId,
      failureReason: updated.failureReason,
    });
    return updated;
  }

  /**
   * Hands a worker the next queued run that fits its `freeSlots`, or null. A node of a multi-node run waiting for
   * this worker comes first (run-gang.service.ts). `teamId`: the team the worker serves; null for a shared worker. `only`: that
   * run alone, if it is queued and of the worker's team (a Kubernetes Job's worker, launch/).
   */
  async claimNext(
    workerId: string,
    teamId: string | null,
    only?: string,
    freeSlots = 1,
  ): Promise<RunAssignment | null> {
    const node = await this.gang.waitingNode(workerId, freeSlots, this.config.leaseSeconds);
    if (node !== undefined) return node;
    const worker = await this.prisma.worker.findUnique({ where: { id: workerId }, select: { slots: true } });
    const fit = { free: Math.min(freeSlots, worker?.slots ?? 1), total: worker?.slots ?? 1 };
    // Queues of gang runs that found too few free workers in this claim: taken from again at the next one.
    const skip = new Set<string>();
    for (;;) {
      const taken = only ? { runId: only, queue: null } : await this.queue.take(teamId, fit, skip);
      if (!taken) return null;
      const run = await this.prisma.run.findUnique({ where: { id: taken.runId } });
      const data = {
        status: 'running' as const,
        workerId,
        attempt: { increment: 1 },
        deliveredSeq: 0,
        startedAt: new Date(),
        leaseExpiresAt: new Date(Date.now() + this.config.leaseSeconds * 1000),
      };
      const expected = { status: 'queued' as const, ...(teamId ? { teamId } : {}) };
      let claimed: Run | null = null;
      if (run && nodesOf(run) > 1) {
        const formed = await this.gang.form(run, workerId, data, expected, this.config.leaseSeconds);
        if (formed === 'too-few-workers') {
          // All or nothing: no worker was held; the run waits for its next chance behind its own queue's head.
          await this.queue.enqueue(run);
          if (only) return null;
          if (taken.queue) skip.add(taken.queue);
          continue;
        }
        claimed = formed && (await this.announce(formed));
      } else if (run) {
        claimed = await this.transition(run, data, expected);
      }
      if (!claimed && only) return null;
      if (!claimed) continue; // cancelled or deleted while queued
      if (only) await this.queue.withdraw(claimed);
      await this.queue.checkLeaseAfter(claimed.id, this.config.leaseSeconds + 1);
      logger.info({ runId: claimed.id, workerId, attempt: claimed.attempt }, 'run claimed');
      return {
        runId: claimed.id,
        attempt: claimed.attempt,
        config: claimed.config as RunConfig,
        leaseSeconds: this.config.leaseSeconds,
        analysis: await analysisAssignment(this.prisma, claimed),
        node: nodeOf(claimed, workerId),
      };
    }
  }

  /** Moves the leases of the attempts a worker still holds; returns the ones it must stop. */
  async renewLeases(workerId: string, held: HeldAttempt[]): Promise<HeldAttempt[]> {
    if (!held.length) return [];
    const until = new Date(Date.now() + this.config.leaseSeconds * 1000);
    const attempts = held.map((h) => ({ id: h.runId, attempt: h.attempt }));
    await this.prisma.run.updateMany({
      where: { workerId, status: 'running', OR: attempts },
      data: { leaseExpiresAt: until },
    });
    const runs = await this.prisma.run.findMany({
      where: { id: { in: held.map((h) => h.runId) } },
      select: { id: true, workerId: true, status: true, attempt: true, cancelRequestedAt: true, gang: true },
    });
    const byId = new Map(runs.map((r) => [r.id, r]));
    return held.filter(({ runId, attempt }) => {
      const run = byId.get(runId);
      // A node of rank > 0 holds its gang's attempt without owning the run: only node 0's beats move the lease.
      const holds = run && (isHeldBy(run, { workerId, attempt }) || isGangNodeOf(run, { workerId, attempt }));
      return !run || !holds || run.cancelRequestedAt !== null;
    });
  }

  /** A delayed job lands here when a lease may have run out. */
  async checkLease(runId: string): Promise<void> {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (run?.status !== 'running' || !run.leaseExpiresAt) return;
    const left = run.leaseExpiresAt.getTime() - Date.now();
    if (left > 0) {
      await this.queue.checkLeaseAfter(runId, left / 1000 + 1);
      return;
    }
    if (!this.database.isUp) {
      // The database answered this query but the outage is not over in this process's eyes: its leases
      // are about to be extended, and no heartbeat could land meanwhile. Judge again after that.
      await this.queue.checkLeaseAfter(runId, 2);
      return;
    }
    this.metrics.leaseExpiries.inc();
    const reason = `lease expired: worker ${run.workerId} stopped heartbeating (attempt ${run.attempt} of ${run.maxAttempts})`;
    logger.warn({ runId, workerId: run.workerId, attempt: run.attempt }, 'lease expired');
    await this.requeueOrFail(run, reason, { status: 'running', leaseExpiresAt: { lte: new Date() } });
  }

  /**
   * A Kubernetes Job made for `attempt` failed (launch/): `reason` is what Kubernetes said. If that attempt was
   * running, it is lost as a lapsed lease is (requeued, or failed after maxAttempts). If the pod never claimed it
   * (an image that cannot be pulled, a pod that cannot be admitted), the run fails: its next Job would fail alike.
   * Any other state (finished, or a later attempt) is left alone; returns the run only if it changed.
   */
  async launchFailed(runId: string, attempt: number, reason: string): Promise<Run | null> {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (run?.status === 'running' && run.attempt === attempt) {
      return this.requeueOrFail(run, reason, { status: 'running', attempt });
    }
    if (run?.status === 'queued' && run.attempt === attempt - 1) {
      const failed = { status: 'failed' as const, finishedAt: new Date(), failureReason: reason };
      return this.transition(run, failed, { status: 'queued', attempt: run.attempt });
    }
    return null;
  }

  private async requeueOrFail(run: Run, reason: string, expected: Prisma.RunWhereInput): Promise<Run | null> {
    if (afterLostAttempt(run.attempt, run.maxAttempts) === 'failed') {
      return this.transition(
        run,
        { status: 'failed', finishedAt: new Date(), failureReason: reason, leaseExpiresAt: null },
        expected,
      );
    }
    const requeued = await this.transition(
      run,
      { status: 'queued', workerId: null, leaseExpiresAt: null, failureReason: reason },
      expected,
    );
    if (requeued) await this.queue.enqueue(requeued);
    return requeued;
  }

  async finish(runId: string, report: FinishRunRequest): Promise<Run> {
    const writer = { workerId: report.workerId, attempt: report.attempt };
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!run) throw notFound(`run ${runId}`);
    // The same condition as every other worker write (run-fence.ts), here as the transition's guard.
    const held = { status: 'running' as const, workerId: report.workerId, attempt: report.attempt };
    if (!isHeldBy(run, writer)) throw fenced(runId, writer, run);
    const common = { exitCode: report.exitCode, stderrTail: report.stderrTail, leaseExpiresAt: null };
    let updated: Run | null;
    if (report.status === 'cancelled' && run.cancelRequestedAt === null) {
      // The engine stopped on SIGTERM without a cancel: the worker drained or fenced itself. Resume elsewhere.
      const reason = report.failureReason ?? 'the worker was stopped (drained) mid-run';
      updated = await this.requeueOrFail({ ...run }, reason, held);
    } else {
      updated = await this.transition(
        run,
        {
          ...common,
          status: report.status,
          finishedAt: new Date(),
          failureReason: report.status === 'failed' ? (report.failureReason ?? 'the engine failed') : null,
        },
        held,
      );
    }
    if (!updated) throw fenced(runId, writer, await this.prisma.run.findUnique({ where: { id: runId } }));
    logger.info({ runId, status: updated.status, exitCode: report.exitCode }, 'run finished');
    return updated;
  }

  async cancel(id: string): Promise<Run> {
    const run = await this.getQueueable(id);
    const action = cancelAction(id, run.status);
    if (action.kind === 'cancel') {
      const done = await this.transition(run, { status: 'cancelled', finishedAt: new Date() }, { status: 'queued' });
      if (done) return done;
      return this.cancel(id); // claimed meanwhile: cancel as running
    }
    if (action.kind === 'request-stop') {
      // The holding worker learns it on its next heartbeat and sends SIGTERM to the engine.
      return this.prisma.run.update({ where: { id }, data: { cancelRequestedAt: new Date() } });
    }
    throw conflict(action.reason);
  }

  async retry(id: string): Promise<Run> {
    const run = await this.getQueueable(id);
    const refusal = retryRefusal(id, run.status);
    if (refusal) throw conflict(refusal);
    const retried = await this.transition(
      run,
      {
        status: 'queued',
        workerId: null,
        finishedAt: null,
        failureReason: null,
        cancelRequestedAt: null,
        exitCode: null,
        maxAttempts: run.attempt + DEFAULT_MAX_ATTEMPTS,
      },
      { status: run.status },
    );
    if (!retried) throw conflict(`run ${id} changed while it was being retried`);
    await this.queue.enqueue(retried);
    return retried;
  }
}
