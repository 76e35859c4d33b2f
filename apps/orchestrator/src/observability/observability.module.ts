import { Module } from '@nestjs/common';
import { OpenApiController } from '../openapi/openapi.controller.js';
import { ObservabilityController } from './observability.controller.js';

/** Health, Prometheus metrics, and the API's own description. */
@Module({ controllers: [ObservabilityController, OpenApiController] })
export class ObservabilityModule {}
