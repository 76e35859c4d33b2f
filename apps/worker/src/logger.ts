import { pino } from 'pino';

/**
 * Structured JSON logs; child loggers carry `runId` on every line of a run. No line is meant to hold the worker's
 * secret or its enrolment token; `redact` is the net under that, should an object that holds one ever be logged.
 */
export const logger = pino({
  name: 'worker',
  level: process.env.LOG_LEVEL || 'info',
  redact: [
    'secret',
    'enrolmentToken',
    'token',
    'authorization',
    '*.secret',
    '*.enrolmentToken',
    '*.token',
    '*.authorization',
  ],
});
