import { Controller, Get, Param } from '@nestjs/common';
import type { ExperimentDto } from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { ExperimentsService } from './experiments.service.js';

@Controller('experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Access({ who: 'user', share: true })
  @Get()
  list(): Promise<ExperimentDto[]> {
    return this.experiments.list();
  }

  @Access({ who: 'user', resource: 'experiment', share: true })
  @Get(':id')
  get(@Param('id', new ZodValidationPipe(z.uuid(), 'id')) id: string): Promise<ExperimentDto> {
    return this.experiments.get(id);
  }
}
