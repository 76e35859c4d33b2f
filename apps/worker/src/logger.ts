import { pino } from 'pino';

/** Structured JSON logs; child loggers carry `runId` on every line of a run. */
export const logger = pino({ name: 'worker', level: process.env.LOG_LEVEL || 'info' });
