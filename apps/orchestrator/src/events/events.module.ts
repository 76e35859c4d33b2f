import { Module } from '@nestjs/common';
import { EventRetentionService } from './event-retention.service.js';

/**
 * The retention policy of the run event log. The log itself (RunEventsService) is in CoreModule, since runs,
 * workers and ingest all write to it; the socket gateway that reads it is the stream module's.
 */
@Module({ providers: [EventRetentionService] })
export class EventsModule {}
