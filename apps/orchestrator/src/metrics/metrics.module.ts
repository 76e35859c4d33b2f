import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { MetricIngestService } from './metric-ingest.service.js';
import { MetricsController } from './metrics.controller.js';

@Module({ imports: [RunsModule], controllers: [MetricsController], providers: [MetricIngestService] })
export class MetricsModule {}
