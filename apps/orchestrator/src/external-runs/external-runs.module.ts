import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { ExternalRunsController } from './external-runs.controller.js';
import { ExternalRunsService } from './external-runs.service.js';

/** Runs trained elsewhere and logged into ResLab; the MLflow routes (mlflow/) use the same service. */
@Module({
  imports: [ExperimentsModule],
  controllers: [ExternalRunsController],
  providers: [ExternalRunsService],
  exports: [ExternalRunsService],
})
export class ExternalRunsModule {}
