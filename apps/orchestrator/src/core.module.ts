import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ARTIFACT_STORE, artifactStoreFor } from './artifacts/artifact-store.js';
import { AuditService } from './audit/audit.service.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { DatabaseHealthService } from './database/database-health.service.js';
import { PrismaService } from './database/prisma.service.js';
import { RunEventsService } from './events/run-events.service.js';
import { logger } from './logger.js';
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

/**
 * Nest's own lines (bootstrap, route mapping, exceptions) go through the same pino instance as ours
 * (main.ts: app.useLogger), so every line the orchestrator prints is one JSON object.
 *
 * No line per HTTP request (autoLogging: false): workers post engine events many times a second per run, and a line
 * for each would bury the lines that matter (a run claimed, a lease expired); /metrics counts ingest batches instead
 * (observability/). A line logged while serving a request carries its reqId only (quietReqLogger), not the request
 * with its headers, so no credential (Authorization, the session cookie) can reach the log; logger.ts redacts them
 * besides, should a request ever be logged whole.
 */
const NEST_LOGS = LoggerModule.forRoot({
  pinoHttp: { logger, autoLogging: false, quietReqLogger: true },
});

/** What every feature module stands on: configuration, the logs, the database, the queue, the event log, the audit log, the artifact store. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [NEST_LOGS],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ARTIFACT_STORE, useFactory: () => artifactStoreFor(config) },
        ...SHARED,
      ],
      exports: [APP_CONFIG, ARTIFACT_STORE, ...SHARED],
    };
  }
}
