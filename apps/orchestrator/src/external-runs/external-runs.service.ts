import { ConflictException, Injectable } from '@nestjs/common';
import type {
  CreateExternalRunRequest,
  EndExternalRunRequest,
  ExternalRunDto,
  ExternalRunPage,
  ExternalRunSnapshot,
  ExternalRunsQuery,
  LogExternalRequest,
  LogExternalResponse,
  MetricHistoryDto,
} from '@reslab/contracts';
import type { z } from 'zod';
import { AuditService } from '../audit/audit.service.js';
import { forbidden, invalidField, notFound } from '../common/api-errors.js';
import { after, decodeCursor, toPage } from '../common/keyset-page.js';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import type { Prisma, Run, RunEvent } from '../generated/prisma/client.js';
import { asSystem, currentScope } from '../identity/request-scope.js';
import { streamedEpoch, upsertEpochMetrics } from '../ingest/ingest.service.js';
import { logger } from '../logger.js';
import { toEpochMetricDto } from '../runs/run-dto.js';
import { EXTERNAL_RUN_DETAIL, type ExternalRunRow, toExternalRunDto } from './external-run-dto.js';
import {
  configParams,
  insertParams,
  type LoggedRun,
  latestMetrics,
  logPoints,
  metricHistory,
  paramConflict,
  type SummaryRow,
  toPoint,
  toSummaries,
  upsertTags,
} from './logged-values.js';

/** The requests as their contract schemas parse them (defaults filled in). */
export type CreateExternalRun = z.output<typeof CreateExternalRunRequest>;
export type LogExternal = z.output<typeof LogExternalRequest>;

/** `created` is false when the create named the id of a run the caller had made already. */
export interface CreatedExternalRun {
  run: ExternalRunDto;
  created: boolean;
}

/**
 * Runs logged from outside (libs/contracts external-runs.ts): by the Python SDK, MLflow's tracking API
 * (mlflow/, which calls this service) or a TensorBoard import. They are Runs of kind `external`: created
 * running, never queued or leased, ended by their script. Their epochs are EpochMetric rows and `epoch_metric`
 * events exactly as an engine's, so GET /runs/:id/metrics and the dashboard's live run view serve them too.
 *
 * Every method works within the caller's request scope: ids of another team read as missing (404), and a write
 * needs the route's role in the run's team (403), whichever route (native or MLflow's) called it. A create, an
 * end, a resume and a delete are audited here, so every route that makes one (native or MLflow's) is audited alike.
 */
@Injectable()
export class ExternalRunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly experiments: ExperimentsService,
    private readonly events: RunEventsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Starts an external run; `created` is false when `request.id` names a run this caller already made (the same
   * request sent again), which is returned as it is now.
   */
  async create(request: CreateExternalRun): Promise<CreatedExternalRun> {
    if (request.id) {
      const existing = await this.existing(request.id);
      if (existing) return existing;
    }
    const startedAt = request.startTime === undefined ? new Date() : new Date(request.startTime);
    let run: Run;
    let started: RunEvent[];
    try {
      [run, started] = await this.prisma.$transaction(async (tx) => {
        const { experimentId, teamId } = await this.experiments.ensure(tx, request.project, request.experiment);
        const created = await tx.run.create({
          data: {
            ...(request.id && { id: request.id }),
            experimentId,
            teamId,
            kind: 'external',
            source: request.source,
            name: request.name ?? null,
            config: request.config,
            classNames: request.classNames,
            status: 'running',
            // GET /external-runs pages by (queuedAt, id) as GET /runs does: an external run was never queued, so
            // its start stands in, and an import of old event files lists in the order the runs were trained.
            queuedAt: startedAt,
            startedAt,
            // No queue holds it, so nothing ever retries it.
            maxAttempts: 0,
          },
        });
        const params = configParams(request.config);
        if (Object.keys(params).length) await tx.$queryRaw(insertParams(created.id, params));
        if (Object.keys(request.tags).length) await tx.$executeRaw(upsertTags(created.id, request.tags));
        // Logged with the run, so a client that sees the run can replay its start.
        const event = { run: created, type: 'status' as const, payload: { status: 'running' as const, attempt: 0 } };
        return [created, await this.events.append(tx, [event])] as const;
      });
    } catch (error) {
      // The same id created by a concurrent request (a retry racing its original): answer as that run.
      if (request.id && (error as { code?: string }).code === 'P2002') {
        const existing = await this.existing(request.id);
        if (existing) return existing;
      }
      throw error;
    }
    this.events.emit(started);
    logger.info({ runId: run.id, source: request.source }, 'external run started');
    await this.audit.record(
      'external_run.create',
      { type: 'run', id: run.id, teamId: run.teamId },
      { source: request.source },
    );
    return { run: await this.get(run.id), created: true };
  }

  /** The run a create's `id` names if the caller may write to it; a 409 naming `id` if it is someone else's. */
  private async existing(id: string): Promise<CreatedExternalRun | null> {
    // Read past the caller's teams: an id taken in another team must be refused, not created twice.
    const found = await asSystem(() =>
      this.prisma.run.findUnique({ where: { id }, select: { teamId: true, kind: true } }),
    );
    if (!found) return null;
    if (found.kind !== 'external' || !inTeams(currentScope()?.data?.read, found.teamId)) {
      const message = `${id} is already the id of another run: leave id out, or make a new uuid`;
      throw new ConflictException({ statusCode: 409, error: 'Conflict', message, issues: [{ path: 'id', message }] });
    }
    checkWritable(found.teamId, id);
    return { run: await this.get(id), created: false };
  }

  async get(id: string): Promise<ExternalRunDto> {
    const run = await this.prisma.run.findUnique({ where: { id }, include: EXTERNAL_RUN_DETAIL });
    if (run?.kind !== 'external') throw notExternal(id, run);
    return (await this.withMetrics([run]))[0] as ExternalRunDto;
  }

  /** What a client subscribing to the run's room (`externalRun`) sees first; as RunsService.snapshot. */
  async snapshot(id: string): Promise<ExternalRunSnapshot> {
    // The event id first: whatever happens after it is both in the snapshot and replayed, nothing falls between.
    const lastEventId = await this.events.lastId({ runId: id });
    const run = await this.get(id);
    const metrics = await this.prisma.epochMetric.findMany({
      where: { runId: id },
      orderBy: [{ epoch: 'asc' }, { split: 'asc' }],
    });
    return { run, metrics: metrics.map(toEpochMetricDto), lastEventId };
  }

  /** Newest first (by start), keyset-paged as GET /runs; the caller's teams only, as every list. */
  async list(query: ExternalRunsQuery): Promise<ExternalRunPage> {
    const key = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (key === null) throw invalidField('cursor', 'is not a nextCursor from a previous page');
    const [teamSlug, projectSlug] = query.project?.includes('/') ? query.project.split('/') : [null, query.project];
    const rows = await this.prisma.run.findMany({
      where: {
        AND: [
          {
            kind: 'external',
            source: query.source,
            experiment: {
              name: query.experiment,
              project: { slug: projectSlug, ...(teamSlug && { team: { slug: teamSlug } }) },
            },
          },
          after('queuedAt', key),
        ],
      },
      orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      include: EXTERNAL_RUN_DETAIL,
    });
    const page = toPage(
      rows,
      query.limit,
      (r) => r.queuedAt,
      (r) => r,
    );
    return { items: await this.withMetrics(page.items), nextCursor: page.nextCursor };
  }

  /**
   * One batch, in one transaction: metric points (a point already stored is skipped, so a batch sent again adds
   * nothing), write-once params, last-wins tags, and epochs stored and streamed as an engine's epoch_metric events.
   * An ended run takes them too and stays ended, as MLflow's server stores values logged to a finished run.
   */
  async log(id: string, request: LogExternal): Promise<LogExternalResponse> {
    const { metrics, params, tags, epochs } = request;
    const writable = currentScope()?.data?.write ?? 'all';
    const points = logPoints(id, writable === 'all' ? 'all' : [...writable], metrics, tags);
    // What a script logs at each step, points and tags, is one statement and needs no transaction of its own.
    if (!Object.keys(params).length && !epochs.length) {
      const run = writableRun(id, await this.prisma.$queryRaw<LoggedRun[]>(points));
      return { metrics: Number(run.stored), epochs: 0 };
    }
    const result = await this.prisma.$transaction(async (tx) => {
      // First, so the run is held (and checked) before anything else is written.
      const run = writableRun(id, await tx.$queryRaw<LoggedRun[]>(points));
      if (Object.keys(params).length) {
        const refused = paramConflict(await tx.$queryRaw(insertParams(id, params)));
        if (refused) throw refused;
      }
      if (!epochs.length) return { stored: run.stored, logged: [] };
      await tx.$executeRaw(upsertEpochMetrics(id, epochs));
      return {
        stored: run.stored,
        logged: await this.events.append(
          tx,
          epochs.map((e) => ({ run, ...streamedEpoch(e) })),
        ),
      };
    });
    this.events.emit(result.logged);
    return { metrics: Number(result.stored), epochs: epochs.length };
  }

  /**
   * Ends the run, or ends an ended run again: the status and end time are overwritten, as MLflow's server does
   * (mlflow/store/tracking/sqlalchemy_store.py update_run_info; a client's set_terminated(run, 'FAILED') after
   * FINISHED). Each change is streamed as a status event and audited as external_run.end; the same end again
   * (the same status, and no end time or the stored one) changes nothing, so a resent end is harmless.
   */
  async end(id: string, request: EndExternalRunRequest): Promise<ExternalRunDto> {
    const { teamId } = await this.writableExternal(id);
    const finishedAt = request.endTime === undefined ? new Date() : new Date(request.endTime);
    const changes: Prisma.RunWhereInput =
      request.endTime === undefined
        ? { status: { not: request.status } }
        : { OR: [{ status: { not: request.status } }, { finishedAt: { not: finishedAt } }] };
    const ended = await this.changeStatus(id, changes, { status: request.status, finishedAt });
    if (ended) {
      logger.info({ runId: id, status: request.status }, 'external run ended');
      await this.audit.record(
        'external_run.end',
        { type: 'run', id, teamId },
        { status: request.status, finishedAt: finishedAt.toISOString() },
      );
    }
    return this.get(id);
  }

  /**
   * Runs an ended run again, with no finish time, until its script ends it again (with any status): what
   * MLflow's start_run(run_id=...) of a finished run asks; audited as external_run.resume. Resuming a running run
   * changes nothing (nothing streamed or audited).
   */
  async resume(id: string): Promise<ExternalRunDto> {
    const { teamId } = await this.writableExternal(id);
    const resumed = await this.changeStatus(
      id,
      { status: { not: 'running' } },
      { status: 'running', finishedAt: null },
    );
    if (resumed) {
      logger.info({ runId: id }, 'external run resumed');
      await this.audit.record('external_run.resume', { type: 'run', id, teamId });
    }
    return this.get(id);
  }

  /**
   * Sets the run's status if it is still `from`, and logs the change as a status event in the same transaction, so
   * that the run's rooms see every end and resume in order; false when the run was not in `from`.
   */
  private async changeStatus(
    id: string,
    from: Prisma.RunWhereInput,
    to: { status: ExternalRunDto['status']; finishedAt: Date | null },
  ): Promise<boolean> {
    const logged = await this.prisma.$transaction(async (tx) => {
      const [changed] = await tx.run.updateManyAndReturn({ where: { id, ...from }, data: to });
      if (!changed) return null;
      return this.events.append(tx, [{ run: changed, type: 'status', payload: { status: to.status, attempt: 0 } }]);
    });
    if (logged) this.events.emit(logged);
    return logged !== null;
  }

  /** The external run `id` names if the caller may write to it; its 404 or 403 otherwise. */
  private async writableExternal(id: string): Promise<{ teamId: string }> {
    const run = await this.prisma.run.findUnique({ where: { id }, select: { kind: true, teamId: true } });
    if (run?.kind !== 'external') throw notExternal(id, run);
    checkWritable(run.teamId, id);
    return { teamId: run.teamId };
  }

  async history(id: string, key: string): Promise<MetricHistoryDto> {
    const run = await this.prisma.run.findUnique({ where: { id }, select: { kind: true } });
    if (run?.kind !== 'external') throw notExternal(id, run);
    const rows = await this.prisma.$queryRaw<Pick<SummaryRow, 'step' | 'timestamp' | 'value'>[]>(
      metricHistory(id, key),
    );
    return {
      runId: id,
      key,
      points: rows.map(toPoint),
    };
  }

  /** Deletes the run and, with it, everything it logged. */
  async remove(id: string): Promise<void> {
    const { teamId } = await this.writableExternal(id);
    await this.prisma.run.delete({ where: { id } });
    logger.info({ runId: id }, 'external run deleted');
    await this.audit.record('external_run.delete', { type: 'run', id, teamId });
  }

  /** Each run as its DTO, with its metrics' latest points read for all of them in one query. */
  async withMetrics(runs: ExternalRunRow[]): Promise<ExternalRunDto[]> {
    if (!runs.length) return [];
    const summaries = toSummaries(await this.prisma.$queryRaw<SummaryRow[]>(latestMetrics(runs.map((r) => r.id))));
    return runs.map((run) => toExternalRunDto(run, summaries.get(run.id) ?? []));
  }
}

/**
 * The run logPoints found, if it took the points; else why it did not (logPoints stored nothing then). Raw SQL,
 * so the team checks are made here: another team's run reads as missing, a role too low is a 403.
 */
function writableRun(id: string, [run]: LoggedRun[]): LoggedRun {
  if (!run || !inTeams(currentScope()?.data?.read, run.teamId) || run.kind !== 'external') {
    throw notExternal(id, run && inTeams(currentScope()?.data?.read, run.teamId) ? run : null);
  }
  checkWritable(run.teamId, id);
  return run;
}

function inTeams(set: ReadonlySet<string> | 'all' | undefined, teamId: string): boolean {
  // Outside a request (a job of the orchestrator's own) there is no scope: nothing is narrowed.
  return set === undefined || set === 'all' || set.has(teamId);
}

/** The route's role in the run's team: the guard checks it for /external-runs/:id, this for every caller. */
function checkWritable(teamId: string, id: string): void {
  const scope = currentScope();
  if (scope && !inTeams(scope.data?.write ?? new Set(), teamId)) {
    throw forbidden(`your role in the team of run ${id} does not allow writing to it`);
  }
}

/** The 404 of an id that is no external run; when it is a run of another kind, says where to find it. */
function notExternal(id: string, run: { kind: string } | null | undefined) {
  if (!run) return notFound(`external run ${id}`);
  return notFound(`external run ${id}`, `does not exist: ${id} is a ${run.kind} run, at /runs/${id}`);
}
