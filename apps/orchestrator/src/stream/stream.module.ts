import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module.js';
import { ExternalRunsModule } from '../external-runs/external-runs.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SweepsModule } from '../sweeps/sweeps.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { StreamGateway } from './stream.gateway.js';

/**
 * The live stream: the socket.io gateway, whose room snapshots come from the run, sweep, worker, analysis and external run modules and
 * whose deltas come from the event log (events/). It stands above them; nothing below imports it.
 */
@Module({
  imports: [RunsModule, SweepsModule, WorkersModule, AnalysesModule, ExternalRunsModule],
  providers: [StreamGateway],
})
export class StreamModule {}
