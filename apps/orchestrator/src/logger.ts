import { pino } from 'pino';

/**
 * The orchestrator's one pino instance: structured JSON on stdout, child loggers carry `runId` on every line of a
 * run. Nest's own lines (bootstrap, routes, exceptions) reach it too, through nestjs-pino (core.module.ts, main.ts).
 * Credentials never reach a line: request headers are not logged at all (quietReqLogger), and should a request or
 * response object ever be logged, its credential headers are censored.
 */
export const logger = pino({
  name: 'orchestrator',
  level: process.env.LOG_LEVEL || 'info',
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    censor: '[redacted]',
  },
});
