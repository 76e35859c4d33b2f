import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { type AnalysisDetailDto, type AnalysisDto, type AnalysisList, CreateAnalysisRequest } from '@reslab/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { AnalysesService } from './analyses.service.js';

const Id = new ZodValidationPipe(z.uuid(), 'id');

@Controller()
export class AnalysesController {
  constructor(private readonly analyses: AnalysesService) {}

  /** 201 with a new analysis; 200 with the one already asked with the same kind and params (its failed chunks requeued). */
  @Access({ who: 'user', role: 'member', resource: 'run' })
  @Post('runs/:id/analyses')
  async create(
    @Param('id', Id) runId: string,
    @Body(new ZodValidationPipe(CreateAnalysisRequest)) body: CreateAnalysisRequest,
    @Res({ passthrough: true }) reply: Response,
  ): Promise<AnalysisDetailDto> {
    const { analysis, created } = await this.analyses.create(runId, body);
    reply.status(created ? 201 : 200);
    return analysis;
  }

  @Access({ who: 'user', resource: 'run', share: true })
  @Get('runs/:id/analyses')
  ofRun(@Param('id', Id) runId: string): Promise<AnalysisList> {
    return this.analyses.list({ runId });
  }

  @Access({ who: 'user', resource: 'sweep', share: true })
  @Get('sweeps/:id/analyses')
  ofSweep(@Param('id', Id) sweepId: string): Promise<AnalysisList> {
    return this.analyses.list({ sweepId });
  }

  @Access({ who: 'user', resource: 'analysis', share: true })
  @Get('analyses/:id')
  detail(@Param('id', Id) id: string): Promise<AnalysisDetailDto> {
    return this.analyses.detail(id);
  }

  /** Cancels its queued and running chunks; running engines stop between two units (SIGTERM). */
  @Access({ who: 'user', role: 'member', resource: 'analysis' })
  @Post('analyses/:id/cancel')
  @HttpCode(200)
  cancel(@Param('id', Id) id: string): Promise<AnalysisDto> {
    return this.analyses.cancel(id);
  }
}
