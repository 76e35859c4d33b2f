import { Module } from '@nestjs/common';
import { ExternalRunsModule } from '../external-runs/external-runs.module.js';
import { MlflowController } from './mlflow.controller.js';
import { MlflowArtifactsController } from './mlflow-artifacts.controller.js';
import { MlflowExperimentsService } from './mlflow-experiments.service.js';
import { MlflowRunsService } from './mlflow-runs.service.js';

/** MLflow's REST tracking API over ResLab's external runs (issue 12; docs/mlflow.md). */
@Module({
  imports: [ExternalRunsModule],
  controllers: [MlflowController, MlflowArtifactsController],
  providers: [MlflowExperimentsService, MlflowRunsService],
})
export class MlflowModule {}
