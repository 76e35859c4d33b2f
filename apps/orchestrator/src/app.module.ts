import { type DynamicModule, Module } from '@nestjs/common';
import { ArtifactsModule } from './artifacts/artifacts.module.js';
import type { AppConfig } from './config/app-config.js';
import { CoreModule } from './core.module.js';
import { EventsModule } from './events/events.module.js';
import { ExperimentsModule } from './experiments/experiments.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RunsModule } from './runs/runs.module.js';
import { SweepsModule } from './sweeps/sweeps.module.js';
import { WorkersModule } from './workers/workers.module.js';

/** One feature module per domain noun (NestJS's own layout); CoreModule provides what they share. */

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        ExperimentsModule,
        RunsModule,
        MetricsModule,
        SweepsModule,
        WorkersModule,
        ArtifactsModule,
        EventsModule,
        ObservabilityModule,
      ],
    };
  }
}
