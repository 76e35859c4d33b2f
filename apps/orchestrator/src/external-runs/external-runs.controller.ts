import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  CreateExternalRunRequest,
  EndExternalRunRequest,
  type ExternalRunDto,
  type ExternalRunPage,
  ExternalRunsQuery,
  LogExternalRequest,
  type LogExternalResponse,
  type MetricHistoryDto,
  MetricHistoryQuery,
} from '@reslab/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { type CreateExternalRun, ExternalRunsService, type LogExternal } from './external-runs.service.js';

const RunId = new ZodValidationPipe(z.uuid(), 'id');

/** ResLab's own API for runs trained elsewhere (the Python SDK, a TensorBoard import); docs/external-runs.md. */
@Controller('external-runs')
export class ExternalRunsController {
  constructor(private readonly runs: ExternalRunsService) {}

  /** 201 with a new run; 200 with the run `id` already names (the same create sent again). */
  @Access({ who: 'user', role: 'member' })
  @Post()
  async create(
    @Body(new ZodValidationPipe(CreateExternalRunRequest)) body: CreateExternalRun,
    @Res({ passthrough: true }) reply: Response,
  ): Promise<ExternalRunDto> {
    const { run, created } = await this.runs.create(body);
    reply.status(created ? 201 : 200);
    return run;
  }

  @Access({ who: 'user', share: true })
  @Get()
  list(@Query(new ZodValidationPipe(ExternalRunsQuery)) query: ExternalRunsQuery): Promise<ExternalRunPage> {
    return this.runs.list(query);
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get(':id')
  get(@Param('id', RunId) id: string): Promise<ExternalRunDto> {
    return this.runs.get(id);
  }

  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post(':id/log')
  @HttpCode(200)
  log(
    @Param('id', RunId) id: string,
    @Body(new ZodValidationPipe(LogExternalRequest)) body: LogExternal,
  ): Promise<LogExternalResponse> {
    return this.runs.log(id, body);
  }

  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post(':id/end')
  @HttpCode(200)
  end(
    @Param('id', RunId) id: string,
    @Body(new ZodValidationPipe(EndExternalRunRequest)) body: EndExternalRunRequest,
  ): Promise<ExternalRunDto> {
    return this.runs.end(id, body);
  }

  /** 200 with the run running again; a run that is running already is answered as it is. */
  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id', RunId) id: string): Promise<ExternalRunDto> {
    return this.runs.resume(id);
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get(':id/metric-history')
  history(
    @Param('id', RunId) id: string,
    @Query(new ZodValidationPipe(MetricHistoryQuery)) query: z.infer<typeof MetricHistoryQuery>,
  ): Promise<MetricHistoryDto> {
    return this.runs.history(id, query.key);
  }

  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', RunId) id: string): Promise<void> {
    return this.runs.remove(id);
  }
}
