import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SweepsController } from './sweeps.controller.js';
import { SweepsService } from './sweeps.service.js';

@Module({
  imports: [RunsModule, ExperimentsModule],
  controllers: [SweepsController],
  providers: [SweepsService],
  exports: [SweepsService],
})
export class SweepsModule {}
