import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunGangService } from './run-gang.service.js';
import { RunRepairService } from './run-repair.service.js';
import { RunsController } from './runs.controller.js';
import { RunsService } from './runs.service.js';

@Module({
  imports: [ExperimentsModule],
  controllers: [RunsController],
  providers: [RunsService, RunGangService, RunRepairService],
  exports: [RunsService],
})
export class RunsModule {}
