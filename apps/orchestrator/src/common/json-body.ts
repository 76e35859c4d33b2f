import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * Engine event batches reach megabytes (a confusion matrix per epoch), and so does an external run's log batch
 * (1000 points, or epochs with their matrices); nothing else a client sends needs 256 kB.
 */
const INGEST_LIMIT = '16mb';
const DEFAULT_LIMIT = '256kb';
const ingest = express.json({ limit: INGEST_LIMIT });
const other = express.json({ limit: DEFAULT_LIMIT });

function isIngest(path: string): boolean {
  return /^\/runs\/[^/]+\/events$/.test(path) || /^\/external-runs\/[^/]+\/log$/.test(path);
}

/**
 * The JSON body parser, with the large limit on the ingest route only. Its
 * errors (too large, not JSON) are answered here in the API's error shape:
 * they happen before NestJS sees the request, where express would answer HTML.
 */
export function jsonBody(req: Request, res: Response, next: NextFunction): void {
  const large = isIngest(req.path);
  (large ? ingest : other)(req, res, (error?: unknown) => {
    if (!error) return next();
    const status = (error as { status?: number }).status ?? 400;
    const message =
      status === 413
        ? `request body larger than ${large ? INGEST_LIMIT : DEFAULT_LIMIT}`
        : `request body is not valid JSON (${(error as Error).message})`;
    res
      .status(status)
      .json({ statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', message });
  });
}
