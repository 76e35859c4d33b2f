import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module.js';
import { RunsModule } from '../runs/runs.module.js';
import { SweepsModule } from '../sweeps/sweeps.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { StreamGateway } from './stream.gateway.js';

/**
 * The live stream: the socket.io gateway, whose room snapshots come from the run, sweep, worker and analysis modules and
 * whose deltas come from the event log (events/). It stands above them; nothing below imports it.
 */
@Module({ imports: [RunsModule, SweepsModule, WorkersModule, AnalysesModule], providers: [StreamGateway] })
export class StreamModule {}
