import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  SWEEP_TEMPLATES,
  type SweepDetailDto,
  type SweepMetricsDto,
  SweepMetricsQuery,
  type SweepPage,
  type SweepPreviewDto,
  SweepSpec,
  type SweepSpecInput,
} from '@reslab/contracts';
import { z } from 'zod';
import { KeysetQuery } from '../common/keyset-page.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { SweepsService } from './sweeps.service.js';

const SweepId = new ZodValidationPipe(z.uuid(), 'id');
const Spec = new ZodValidationPipe(SweepSpec);
const ListSweepsQuery = new ZodValidationPipe(KeysetQuery.strict());
const MetricsQuery = new ZodValidationPipe(SweepMetricsQuery);

@Controller('sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Access({ who: 'user', role: 'member' })
  @Post()
  create(@Body(Spec) spec: SweepSpec): Promise<SweepDetailDto> {
    return this.sweeps.create(spec);
  }

  /** How many runs a spec expands into, validated, without storing anything. */
  @Access({ who: 'user' })
  @Post('preview')
  @HttpCode(200)
  preview(@Body(Spec) spec: SweepSpec): SweepPreviewDto {
    return this.sweeps.preview(spec);
  }

  @Access({ who: 'user' })
  @Get('templates')
  templates(): Record<string, SweepSpecInput> {
    return Object.fromEntries(Object.entries(SWEEP_TEMPLATES).map(([name, make]) => [name, make()]));
  }

  @Access({ who: 'user' })
  @Get()
  list(@Query(ListSweepsQuery) query: KeysetQuery): Promise<SweepPage> {
    return this.sweeps.list(query);
  }

  @Access({ who: 'user', resource: 'sweep', share: true })
  @Get(':id')
  detail(@Param('id', SweepId) id: string): Promise<SweepDetailDto> {
    return this.sweeps.detail(id);
  }

  @Access({ who: 'user', resource: 'sweep', share: true })
  @Get(':id/metrics')
  metrics(@Param('id', SweepId) id: string, @Query(MetricsQuery) query: SweepMetricsQuery): Promise<SweepMetricsDto> {
    return this.sweeps.metrics(id, query);
  }

  @Access({ who: 'user', role: 'member', resource: 'sweep' })
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id', SweepId) id: string): Promise<SweepDetailDto> {
    return this.sweeps.cancel(id);
  }

  @Access({ who: 'user', role: 'member', resource: 'sweep' })
  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id', SweepId) id: string): Promise<SweepDetailDto> {
    return this.sweeps.retry(id);
  }
}
