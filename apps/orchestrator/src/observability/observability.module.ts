import { Module } from '@nestjs/common';
import { ObservabilityController } from './observability.controller.js';

/** Health and Prometheus metrics. */
@Module({ controllers: [ObservabilityController] })
export class ObservabilityModule {}
