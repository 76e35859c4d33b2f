import { Injectable } from '@nestjs/common';
import type { ExternalRunDto, MetricPoint } from '@reslab/contracts';
import type { z } from 'zod';
import { PrismaService } from '../database/prisma.service.js';
import { EXTERNAL_RUN_DETAIL } from '../external-runs/external-run-dto.js';
import { ExternalRunsService, type LogExternal } from '../external-runs/external-runs.service.js';
import { doesNotExist, invalidParameter, MlflowError } from './mlflow-errors.js';
import {
  DEFAULT_EXPERIMENT_ID,
  isUuid,
  MLFLOW_PROJECT,
  MlflowExperimentsService,
  type MlflowTeam,
  requireMember,
} from './mlflow-experiments.service.js';
import {
  type CreateRun,
  decodePageToken,
  encodePageToken,
  type LogBatch,
  type MlflowMetric,
  type MlflowRun,
  type MlflowRunInfo,
  RUN_NAME_MAX,
  type SearchRuns,
  type UpdateRun,
} from './mlflow-protocol.js';
import { FROM_MLFLOW, RUN_NAME_TAG, toMlflowRun, toRunInfo, toSearchable, USER_TAG } from './mlflow-run-view.js';
import {
  matchesRun,
  parseOrderBy,
  parseRunFilter,
  type RunClause,
  type RunOrder,
  runComparator,
  SearchSyntaxError,
} from './search-filter.js';

type Output<S extends z.ZodType> = z.output<S>;

/** A name for Run.name: the tag mlflow.runName may be longer than ResLab keeps a name, and is refused then. */
function checkedName(name: string): string {
  if (name.length > RUN_NAME_MAX) {
    throw invalidParameter(`a run name is at most ${RUN_NAME_MAX} characters in ResLab; this one has ${name.length}`);
  }
  return name;
}

/** MLflow's message for a run it does not have (mlflow/store/tracking/sqlalchemy_store.py). */
const runNotFound = (id: string) => doesNotExist(`Run with id=${id} not found`);

const EMPTY_LOG: LogExternal = { metrics: [], params: {}, tags: {}, epochs: [] };

/**
 * MLflow's runs are ResLab's external runs of source `mlflow`: created, logged, ended and deleted through
 * ExternalRunsService, as the SDK's, so they are stored, streamed and shown the same way. This service only
 * translates: MLflow's statuses, its run name kept as the tag mlflow.runName, its search.
 */
@Injectable()
export class MlflowRunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runs: ExternalRunsService,
    private readonly experiments: MlflowExperimentsService,
  ) {}

  async create(team: MlflowTeam, request: Output<typeof CreateRun>): Promise<MlflowRun> {
    requireMember(team, 'creating a run');
    const experiment = await this.experiments.find(team, request.experiment_id);
    const tags = Object.fromEntries(request.tags.map((t) => [t.key, t.value]));
    // MLflow's server names a run from run_name, else from its mlflow.runName tag, else makes one up.
    const name = checkedName(
      request.run_name || tags[RUN_NAME_TAG] || `run-${Math.random().toString(36).slice(2, 10)}`,
    );
    const { run } = await this.runs.create({
      project: `${team.slug}/${MLFLOW_PROJECT}`,
      experiment: experiment.name,
      name,
      source: 'mlflow',
      config: {},
      // MLflow keeps user_id in a column ResLab does not have; its client also sends it as the tag mlflow.user.
      tags: { ...(request.user_id && { [USER_TAG]: request.user_id }), ...tags, [RUN_NAME_TAG]: name },
      ...(request.start_time !== undefined && { startTime: request.start_time }),
    });
    return toMlflowRun(run);
  }

  async get(id: string | undefined): Promise<MlflowRun> {
    return toMlflowRun(await this.external(id));
  }

  /**
   * runs/update: a new name, an end (FINISHED, FAILED, KILLED), or RUNNING, which resumes an ended run (MLflow's
   * start_run(run_id=...) sends it). An end of an ended run overwrites its status and end time, as MLflow's server
   * does (set_terminated(run, 'FAILED') after FINISHED). Where MLflow's server
   * (sqlalchemy_store.py update_run_info) sets the status and keeps the end_time it is sent, which for a resume is
   * the run's old one, ResLab's resumed run has none until it ends again: a running run has no end.
   */
  async update(request: Output<typeof UpdateRun>): Promise<MlflowRunInfo> {
    const id = (await this.external(request.run_id ?? request.run_uuid)).id;
    if (request.run_name) {
      await this.prisma.$transaction([
        this.prisma.run.update({ where: { id }, data: { name: request.run_name } }),
        this.prisma.runTag.upsert({
          where: { runId_key: { runId: id, key: RUN_NAME_TAG } },
          create: { runId: id, key: RUN_NAME_TAG, value: request.run_name },
          update: { value: request.run_name },
        }),
      ]);
    }
    const status = request.status && FROM_MLFLOW[request.status];
    // resume and end answer the run as they left it: no third read.
    const run =
      status === 'running'
        ? await this.runs.resume(id)
        : status
          ? await this.runs.end(id, { status, ...(request.end_time !== undefined && { endTime: request.end_time }) })
          : await this.runs.get(id);
    return toRunInfo(run);
  }

  /**
   * MLflow deletes softly (lifecycle_stage `deleted`, restorable); ResLab deletes the run and what it logged,
   * as DELETE /external-runs/:id does: ResLab has no trash, and a soft-deleted run would still be charted.
   */
  async remove(id: string): Promise<void> {
    await this.onRun(id, (runId) => this.runs.remove(runId));
  }

  async logMetric(id: string | undefined, metric: MetricPoint): Promise<void> {
    await this.logged(id, { ...EMPTY_LOG, metrics: [metric] });
  }

  async logParam(id: string | undefined, key: string, value: string): Promise<void> {
    await this.logged(id, { ...EMPTY_LOG, params: { [key]: value } });
  }

  async setTag(id: string | undefined, key: string, value: string): Promise<void> {
    await this.logged(id, { ...EMPTY_LOG, tags: { [key]: value } });
  }

  async logBatch(request: Output<typeof LogBatch>): Promise<void> {
    const params: Record<string, string> = {};
    for (const { key, value } of request.params) {
      // MLflow refuses a batch that gives one param two values (mlflow/utils/validation.py _validate_batch_log_data).
      if (key in params && params[key] !== value) {
        throw invalidParameter(`Duplicate parameter keys have been submitted: '${key}' with two values`);
      }
      params[key] = value;
    }
    const tags = Object.fromEntries(request.tags.map((t) => [t.key, t.value]));
    await this.logged(request.run_id, { metrics: request.metrics, params, tags, epochs: [] });
  }

  /** One log through the native service; a mlflow.runName tag also renames the run, as MLflow's server does. */
  private async logged(id: string | undefined, log: LogExternal): Promise<void> {
    const name = log.tags[RUN_NAME_TAG];
    if (name !== undefined) checkedName(name);
    await this.onRun(id, async (runId) => {
      await this.runs.log(runId, log);
      if (name !== undefined) await this.prisma.run.update({ where: { id: runId }, data: { name } });
    });
  }

  async history(
    id: string | undefined,
    key: string,
    page: { page_token?: string; max_results?: number },
  ): Promise<{ metrics: MlflowMetric[]; next_page_token?: string }> {
    const { points } = await this.onRun(id, (runId) => this.runs.history(runId, key));
    const offset = decodePageToken(page.page_token);
    if (offset === null) throw invalidParameter(`Invalid page token '${page.page_token}'`);
    const end = page.max_results === undefined ? points.length : offset + page.max_results;
    return {
      metrics: points.slice(offset, end).map((p) => ({ key, ...p })),
      ...(end < points.length && { next_page_token: encodePageToken(end) }),
    };
  }

  /**
   * runs/search over the runs of the named experiments: filtered and ordered in memory, as MLflow's file store
   * does, which keeps the grammar in one tested module (search-filter.ts) at the cost of reading every run of
   * those experiments per page.
   */
  async search(
    team: MlflowTeam,
    request: Output<typeof SearchRuns>,
  ): Promise<{ runs: MlflowRun[]; next_page_token?: string }> {
    let clauses: RunClause[];
    let orders: RunOrder[];
    try {
      clauses = parseRunFilter(request.filter);
      orders = request.order_by.map(parseOrderBy);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw invalidParameter(`Invalid search: ${error.message}`);
      throw error;
    }
    const offset = decodePageToken(request.page_token);
    if (offset === null) throw invalidParameter(`Invalid page token '${request.page_token}'`);
    if (request.run_view_type === 'DELETED_ONLY') return { runs: [] };
    // As MLflow's server: an id of no experiment (here: of none in the caller's team) adds no run, a malformed
    // one is refused.
    const experimentIds: string[] = [];
    for (const id of request.experiment_ids) {
      if (id !== DEFAULT_EXPERIMENT_ID && !isUuid(id)) {
        throw invalidParameter(`Invalid experiment ID '${id}': ResLab's are uuids, and "0" for Default`);
      }
      const experiment = await this.experiments.find(team, id).catch((error: unknown) => {
        if (error instanceof MlflowError && error.code === 'RESOURCE_DOES_NOT_EXIST') return null;
        throw error;
      });
      if (experiment) experimentIds.push(experiment.id);
    }
    const rows = await this.prisma.run.findMany({
      where: { kind: 'external', experimentId: { in: experimentIds } },
      include: EXTERNAL_RUN_DETAIL,
    });
    const runs = (await this.runs.withMetrics(rows))
      .map((dto) => ({ dto, searchable: toSearchable(dto) }))
      .filter((r) => matchesRun(r.searchable, clauses));
    const compare = runComparator(orders);
    runs.sort((a, b) => compare(a.searchable, b.searchable));
    const end = offset + request.max_results;
    return {
      runs: runs.slice(offset, end).map((r) => toMlflowRun(r.dto)),
      ...(end < runs.length && { next_page_token: encodePageToken(end) }),
    };
  }

  /** The external run an MLflow run_id names, within the caller's teams; RESOURCE_DOES_NOT_EXIST otherwise. */
  private external(id: string | undefined): Promise<ExternalRunDto> {
    return this.onRun(id, (runId) => this.runs.get(runId));
  }

  /**
   * `work` on the run `id` names, with ResLab's 404 (no such run in the caller's teams, or a run that is no
   * external run) answered in MLflow's words. No read before a write: a log is one transaction that checks the
   * run itself (ExternalRunsService.log).
   */
  private async onRun<T>(id: string | undefined, work: (runId: string) => Promise<T>): Promise<T> {
    if (!id) throw invalidParameter("Missing value for required parameter 'run_id'");
    if (!isUuid(id)) throw runNotFound(id);
    try {
      return await work(id);
    } catch (error) {
      if ((error as { getStatus?: () => number }).getStatus?.() === 404) throw runNotFound(id);
      throw error;
    }
  }
}
