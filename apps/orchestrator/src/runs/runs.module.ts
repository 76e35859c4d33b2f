import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunRepairService } from './run-repair.service.js';
import { RunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';

@Module({
  imports: [ExperimentsModule],
  controllers: [RunsController],
  providers: [RunsService, RunRepairService],
  exports: [RunsService],
})
export class RunsModule {}
