import { All, Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import type { z } from 'zod';
import { BodyParsed } from '../common/json-body.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { invalidParameter, MlflowError, MlflowErrorFilter } from './mlflow-errors.js';
import { MlflowExperimentsService, toMlflowExperiment } from './mlflow-experiments.service.js';
import {
  CreateExperiment,
  CreateRun,
  DeleteRun,
  GetExperiment,
  GetExperimentByName,
  GetMetricHistory,
  GetRun,
  LogBatch,
  LogMetric,
  LogParam,
  runIdOf,
  SearchExperiments,
  SearchRuns,
  SetTag,
  UpdateRun,
} from './mlflow-protocol.js';
import { MlflowRunsService } from './mlflow-runs.service.js';

/**
 * Where MLflow's client sends its calls: `<tracking URI>/api/2.0/mlflow/...` (and `/ajax-api/...`, its web UI's
 * prefix). A caller in several teams names one in the tracking URI: `<orchestrator>/mlflow/<team>`.
 */
export const MLFLOW_PREFIXES = [
  'api/2.0/mlflow',
  'ajax-api/2.0/mlflow',
  'mlflow/:team/api/2.0/mlflow',
  'mlflow/:team/ajax-api/2.0/mlflow',
];

const READ = { who: 'user' } as const;
const WRITE = { who: 'user', role: 'member' } as const;

const pipe = <S extends z.ZodType>(schema: S) => new ZodValidationPipe(schema);
type In<S extends z.ZodType> = z.output<S>;

/**
 * MLflow's REST tracking API (mlflow/protos/service.proto), the part a training script's client uses; docs/mlflow.md
 * says what is served and what is not. Every answer, errors included (the AccessGuard's too: MlflowErrorFilter),
 * is in MLflow's shape, with 200 for every success as MLflow's server answers.
 */
@Controller(MLFLOW_PREFIXES)
@UseFilters(MlflowErrorFilter)
// A body too large or not JSON is refused by the body parser before routing: thrown here, so it is MLflow-shaped.
@UseGuards(BodyParsed)
export class MlflowController {
  constructor(
    private readonly experiments: MlflowExperimentsService,
    private readonly runs: MlflowRunsService,
  ) {}

  @Access(WRITE)
  @Post('experiments/create')
  @HttpCode(200)
  async createExperiment(
    @Param('team') team: string | undefined,
    @Body(pipe(CreateExperiment)) body: In<typeof CreateExperiment>,
  ) {
    // Refused rather than dropped: a script that sets them expects to read them back.
    if (body.tags.length) throw invalidParameter('ResLab keeps no experiment tags: leave tags out');
    if (body.artifact_location) {
      throw invalidParameter('ResLab stores no MLflow artifacts: leave artifact_location out');
    }
    const experiment = await this.experiments.create(await this.experiments.team(team), body.name);
    return { experiment_id: toMlflowExperiment(experiment).experiment_id };
  }

  @Access(READ)
  @Get('experiments/get')
  async getExperiment(
    @Param('team') team: string | undefined,
    @Query(pipe(GetExperiment)) query: In<typeof GetExperiment>,
  ) {
    const experiment = await this.experiments.find(await this.experiments.team(team), query.experiment_id);
    return { experiment: toMlflowExperiment(experiment) };
  }

  @Access(READ)
  @Get('experiments/get-by-name')
  async getExperimentByName(
    @Param('team') team: string | undefined,
    @Query(pipe(GetExperimentByName)) query: In<typeof GetExperimentByName>,
  ) {
    const experiment = await this.experiments.findByName(await this.experiments.team(team), query.experiment_name);
    return { experiment: toMlflowExperiment(experiment) };
  }

  @Access(READ)
  @Post('experiments/search')
  @HttpCode(200)
  async searchExperiments(
    @Param('team') team: string | undefined,
    @Body(pipe(SearchExperiments)) body: In<typeof SearchExperiments>,
  ) {
    return this.experiments.search(await this.experiments.team(team), body);
  }

  @Access(READ)
  @Get('experiments/search')
  async searchExperimentsByGet(
    @Param('team') team: string | undefined,
    @Query(pipe(SearchExperiments)) query: In<typeof SearchExperiments>,
  ) {
    return this.experiments.search(await this.experiments.team(team), query);
  }

  @Access(WRITE)
  @Post('runs/create')
  @HttpCode(200)
  async createRun(@Param('team') team: string | undefined, @Body(pipe(CreateRun)) body: In<typeof CreateRun>) {
    return { run: await this.runs.create(await this.experiments.team(team), body) };
  }

  @Access(READ)
  @Get('runs/get')
  async getRun(@Query(pipe(GetRun)) query: In<typeof GetRun>) {
    return { run: await this.runs.get(runIdOf(query)) };
  }

  @Access(WRITE)
  @Post('runs/update')
  @HttpCode(200)
  async updateRun(@Body(pipe(UpdateRun)) body: In<typeof UpdateRun>) {
    return { run_info: await this.runs.update(body) };
  }

  @Access(WRITE)
  @Post('runs/delete')
  @HttpCode(200)
  async deleteRun(@Body(pipe(DeleteRun)) body: In<typeof DeleteRun>) {
    await this.runs.remove(body.run_id);
    return {};
  }

  @Access(READ)
  @Post('runs/search')
  @HttpCode(200)
  async searchRuns(@Param('team') team: string | undefined, @Body(pipe(SearchRuns)) body: In<typeof SearchRuns>) {
    return this.runs.search(await this.experiments.team(team), body);
  }

  @Access(WRITE)
  @Post('runs/log-metric')
  @HttpCode(200)
  async logMetric(@Body(pipe(LogMetric)) body: In<typeof LogMetric>) {
    const { key, value, step, timestamp } = body;
    await this.runs.logMetric(runIdOf(body), { key, value, step, timestamp });
    return {};
  }

  @Access(WRITE)
  @Post('runs/log-batch')
  @HttpCode(200)
  async logBatch(@Body(pipe(LogBatch)) body: In<typeof LogBatch>) {
    await this.runs.logBatch(body);
    return {};
  }

  @Access(WRITE)
  @Post('runs/log-parameter')
  @HttpCode(200)
  async logParam(@Body(pipe(LogParam)) body: In<typeof LogParam>) {
    await this.runs.logParam(runIdOf(body), body.key, body.value);
    return {};
  }

  @Access(WRITE)
  @Post('runs/set-tag')
  @HttpCode(200)
  async setTag(@Body(pipe(SetTag)) body: In<typeof SetTag>) {
    await this.runs.setTag(runIdOf(body), body.key, body.value);
    return {};
  }

  @Access(READ)
  @Get('metrics/get-history')
  async metricHistory(@Query(pipe(GetMetricHistory)) query: In<typeof GetMetricHistory>) {
    return this.runs.history(runIdOf(query), query.metric_key, query);
  }

  /**
   * Any other MLflow endpoint: MLflow's own 404, which its client reads as "this server lacks it" (and, where it
   * has a fallback, tries the next endpoint: mlflow/utils/rest_utils.py call_endpoints). Last, so the routes
   * above match first.
   */
  @Access({ who: 'public' })
  @All('{*rest}')
  notFound(@Req() request: Request): never {
    throw new MlflowError(
      'ENDPOINT_NOT_FOUND',
      `ResLab does not serve ${request.method} ${request.path} of MLflow's API (docs/mlflow.md lists what it serves)`,
    );
  }
}
