import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { SweepsModule } from '../sweeps/sweeps.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { StreamGateway } from './stream.gateway.js';

/** The socket.io gateway; room snapshots come from the run, sweep and worker modules. */
@Module({ imports: [RunsModule, SweepsModule, WorkersModule], providers: [StreamGateway] })
export class EventsModule {}
