import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ARTIFACT_STORE, SharedDirectoryArtifactStore } from './artifacts/artifact-store.js';
import { AuditService } from './audit/audit.service.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { DatabaseHealthService } from './database/database-health.service.js';
import { PrismaService } from './database/prisma.service.js';
import { RunEventsService } from './events/run-events.service.js';
import { OrchestratorMetrics } from './observability/orchestrator-metrics.js';
import { RunQueueService } from './queue/run-queue.service.js';

const SHARED = [
  PrismaService,
  DatabaseHealthService,
  OrchestratorMetrics,
  RunQueueService,
  RunEventsService,
  AuditService,
];

/** What every feature module stands on: configuration, the database, the queue, the event log, the audit log, the artifact store. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ARTIFACT_STORE, useValue: new SharedDirectoryArtifactStore(config.artifactDir) },
        ...SHARED,
      ],
      exports: [APP_CONFIG, ARTIFACT_STORE, ...SHARED],
    };
  }
}
