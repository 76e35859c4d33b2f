import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module.js';
import { SweepsModule } from '../sweeps/sweeps.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { EventRetentionService } from './event-retention.service.js';
import { StreamGateway } from './stream.gateway.js';

/**
 * The socket.io gateway, whose room snapshots come from the run, sweep and worker modules, and the
 * retention policy that keeps the event log it replays from growing without bound.
 */
@Module({ imports: [RunsModule, SweepsModule, WorkersModule], providers: [StreamGateway, EventRetentionService] })
export class EventsModule {}
