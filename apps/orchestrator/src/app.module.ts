import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { PrismaService } from './database/prisma.service.js';
import { HealthController } from './health.controller.js';
import { MetricIngestService } from './metrics/metric-ingest.service.js';
import { RunQueueService } from './queue/run-queue.service.js';
import { RunsController } from './runs/runs.controller.js';
import { RunsService } from './runs/runs.service.js';
import { WorkersController } from './workers/workers.controller.js';
import { WorkersService } from './workers/workers.service.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, RunsController, WorkersController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        PrismaService,
        RunQueueService,
        RunsService,
        MetricIngestService,
        WorkersService,
      ],
    };
  }
}
