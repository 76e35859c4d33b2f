import { type DynamicModule, Module } from '@nestjs/common';
import { ARTIFACT_STORE, SharedDirectoryArtifactStore } from './artifacts/artifact-store.js';
import { ArtifactsController } from './artifacts/artifacts.controller.js';
import { ArtifactsService } from './artifacts/artifacts.service.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { PrismaService } from './database/prisma.service.js';
import { RunEventsService } from './events/run-events.service.js';
import { StreamGateway } from './events/stream.gateway.js';
import { MetricIngestService } from './metrics/metric-ingest.service.js';
import { ObservabilityController } from './observability/observability.controller.js';
import { OrchestratorMetrics } from './observability/orchestrator-metrics.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { RunQueueService } from './queue/run-queue.service.js';
import { RunsController } from './runs/runs.controller.js';
import { RunsService } from './runs/runs.service.js';
import { SweepsController } from './sweeps/sweeps.controller.js';
import { SweepsService } from './sweeps/sweeps.service.js';
import { WorkersController } from './workers/workers.controller.js';
import { WorkersService } from './workers/workers.service.js';

/**
 * One module per domain noun would be the NestJS default; the services here
 * are few and share the Prisma client and the event log, so they are wired in
 * one place and kept in one folder per noun.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        ObservabilityController,
        OpenApiController,
        RunsController,
        SweepsController,
        WorkersController,
        ArtifactsController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ARTIFACT_STORE, useValue: new SharedDirectoryArtifactStore(config.artifactDir) },
        PrismaService,
        OrchestratorMetrics,
        RunQueueService,
        RunEventsService,
        RunsService,
        SweepsService,
        MetricIngestService,
        WorkersService,
        ArtifactsService,
        StreamGateway,
      ],
    };
  }
}
