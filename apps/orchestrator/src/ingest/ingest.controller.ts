import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { type EpochMetricDto, type GradFlowDto, IngestEventsRequest } from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { toEpochMetricDto, toGradFlowDtos } from '../runs/run-dto.js';
import { RunsService } from '../runs/runs.service.js';
import { IngestService } from './ingest.service.js';

const RunId = new ZodValidationPipe(z.uuid(), 'id');

/** A run's measurements from its engine: epoch metrics and gradient flow in (from the worker), and out. */
@Controller('runs')
export class IngestController {
  constructor(
    private readonly runs: RunsService,
    private readonly ingested: IngestService,
  ) {}

  @Access({ who: 'user', resource: 'run', share: true })
  @Get(':id/metrics')
  async metricsOf(@Param('id', RunId) id: string): Promise<EpochMetricDto[]> {
    await this.runs.get(id);
    return (await this.ingested.list(id)).map(toEpochMetricDto);
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get(':id/grad-flow')
  async gradFlowOf(@Param('id', RunId) id: string): Promise<GradFlowDto[]> {
    await this.runs.get(id);
    return toGradFlowDtos(id, await this.ingested.gradFlow(id));
  }

  /** Engine events forwarded by the worker that holds the run. */
  @Access({ who: 'worker' })
  @Post(':id/events')
  @HttpCode(200)
  ingest(
    @Param('id', RunId) id: string,
    @Body(new ZodValidationPipe(IngestEventsRequest)) body: IngestEventsRequest,
  ): Promise<{ stored: number; duplicate: boolean }> {
    return this.ingested.ingest(id, body);
  }
}
