import { pino } from 'pino';

/** Structured JSON logs on stdout; child loggers carry `runId` on every line of a run. */
export const logger = pino({ name: 'orchestrator', level: process.env.LOG_LEVEL || 'info' });
