import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  CreateRunRequest,
  FinishRunRequest,
  ListRunsQuery,
  type RunCurvesDto,
  RunCurvesQuery,
  type RunDto,
  type RunPage,
  type RunRowPage,
} from '@reslab/contracts';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { toRunDto } from './run-dto.js';
import { RunsService } from './runs.service.js';

const RunId = new ZodValidationPipe(z.uuid(), 'id');
@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly audit: AuditService,
  ) {}

  @Access({ who: 'user', role: 'member' })
  @Post()
  async create(@Body(new ZodValidationPipe(CreateRunRequest)) body: CreateRunRequest): Promise<RunDto> {
    const run = await this.runs.create(body);
    await this.audit.record('run.create', { type: 'run', id: run.id, teamId: run.teamId }, { project: body.project });
    return toRunDto(run);
  }

  @Access({ who: 'user', share: true })
  @Get()
  list(@Query(new ZodValidationPipe(ListRunsQuery)) query: ListRunsQuery): Promise<RunPage> {
    return this.runs.list(query);
  }

  /** Declared before `:id`, which would take `rows` for an id. */
  @Access({ who: 'user', share: true })
  @Get('rows')
  rows(@Query(new ZodValidationPipe(ListRunsQuery)) query: ListRunsQuery): Promise<RunRowPage> {
    return this.runs.listRows(query);
  }

  /** Declared before `:id`, which would take `curves` for an id. */
  @Access({ who: 'user', share: true })
  @Get('curves')
  curves(@Query(new ZodValidationPipe(RunCurvesQuery)) query: RunCurvesQuery): Promise<RunCurvesDto> {
    return this.runs.curves(query);
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get(':id')
  async get(@Param('id', RunId) id: string): Promise<RunDto> {
    return toRunDto(await this.runs.getConfigured(id));
  }

  @Access({ who: 'worker' })
  @Post(':id/finish')
  @HttpCode(200)
  async finish(
    @Param('id', RunId) id: string,
    @Body(new ZodValidationPipe(FinishRunRequest)) body: FinishRunRequest,
  ): Promise<RunDto> {
    return toRunDto(await this.runs.finish(id, body));
  }

  /** Queued: cancelled at once. Running: the engine is sent SIGTERM, checkpoints, and the run ends cancelled. */
  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', RunId) id: string): Promise<RunDto> {
    const run = await this.runs.cancel(id);
    await this.audit.record('run.cancel', { type: 'run', id, teamId: run.teamId });
    return toRunDto(run);
  }

  /** A failed or cancelled run goes back to the queue and resumes from its last checkpoint. */
  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post(':id/retry')
  @HttpCode(200)
  async retry(@Param('id', RunId) id: string): Promise<RunDto> {
    const run = await this.runs.retry(id);
    await this.audit.record('run.retry', { type: 'run', id, teamId: run.teamId });
    return toRunDto(run);
  }
}
