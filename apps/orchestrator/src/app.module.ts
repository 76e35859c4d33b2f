import { type DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module.js';
import { AnalysesModule } from './analyses/analyses.module.js';
import { ArtifactsModule } from './artifacts/artifacts.module.js';
import type { AppConfig } from './config/app-config.js';
import { CoreModule } from './core.module.js';
import { EventsModule } from './events/events.module.js';
import { ExperimentsModule } from './experiments/experiments.module.js';
import { ExternalRunsModule } from './external-runs/external-runs.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { LaunchModule } from './launch/launch.module.js';
import { MlflowModule } from './mlflow/mlflow.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RunsModule } from './runs/runs.module.js';
import { SharesModule } from './shares/shares.module.js';
import { StreamModule } from './stream/stream.module.js';
import { SweepsModule } from './sweeps/sweeps.module.js';
import { TeamsModule } from './teams/teams.module.js';
import { WorkersModule } from './workers/workers.module.js';

/** One feature module per domain noun (NestJS's own layout); CoreModule provides what they share. */

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        IdentityModule,
        AccountsModule,
        TeamsModule,
        SharesModule,
        ExperimentsModule,
        RunsModule,
        IngestModule,
        ExternalRunsModule,
        MlflowModule,
        SweepsModule,
        AnalysesModule,
        WorkersModule,
        LaunchModule.forRoot(config),
        ArtifactsModule,
        EventsModule,
        StreamModule,
        ObservabilityModule,
        OpenApiModule,
      ],
    };
  }
}
