import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Injectable,
  PayloadTooLargeException,
} from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * Engine event batches reach megabytes (a confusion matrix per epoch), and so do the logs of external runs: a
 * native batch (1000 points, or epochs with their matrices), and MLflow's log-batch at MLflow's own limits (1000
 * entities, params of 6000 and tags of 8000 characters: about 1.5 MB of JSON, up to six times that when every
 * character is escaped). Nothing else a client sends needs 256 kB.
 */
const INGEST_LIMIT = '16mb';
const DEFAULT_LIMIT = '256kb';
const ingest = express.json({ limit: INGEST_LIMIT });
const other = express.json({ limit: DEFAULT_LIMIT });

/** MLflow's API under each prefix MlflowController serves (mlflow/mlflow.controller.ts MLFLOW_PREFIXES). */
const MLFLOW_ROUTE = /^(?:\/mlflow\/[^/]+)?\/(?:ajax-)?api\/2\.0\/mlflow\//;

const INGEST_ROUTES = [
  /^\/runs\/[^/]+\/events$/,
  /^\/external-runs\/[^/]+\/log$/,
  new RegExp(`${MLFLOW_ROUTE.source}runs/log-batch$`),
];

const isIngest = (path: string) => INGEST_ROUTES.some((route) => route.test(path));

const PARSE_ERROR = Symbol('json body parse error');
type ParsedRequest = Request & { [PARSE_ERROR]?: HttpException };

/**
 * The JSON body parser, with the large limit on the ingest routes only. Its errors (too large, not JSON) happen
 * before NestJS sees the request, where express would answer HTML: they are answered here in the API's error
 * shape, except on MLflow's routes, which answer every error in MLflow's shape (MlflowErrorFilter). There the
 * error is kept on the request and thrown by BodyParsed, the MLflow controller's guard, for the filter to answer.
 */
export function jsonBody(req: Request, res: Response, next: NextFunction): void {
  const limit = isIngest(req.path) ? INGEST_LIMIT : DEFAULT_LIMIT;
  (limit === INGEST_LIMIT ? ingest : other)(req, res, (error?: unknown) => {
    if (!error) return next();
    const status = (error as { status?: number }).status ?? 400;
    const refused =
      status === 413
        ? new PayloadTooLargeException(`request body larger than ${limit}`)
        : new HttpException(
            {
              statusCode: status,
              error: 'Bad Request',
              message: `request body is not valid JSON (${(error as Error).message})`,
            },
            status,
          );
    if (MLFLOW_ROUTE.test(req.path)) {
      (req as ParsedRequest)[PARSE_ERROR] = refused;
      return next();
    }
    res.status(refused.getStatus()).json(refused.getResponse());
  });
}

/** Throws the error jsonBody kept on the request, if any, within the route, so its controller's filter answers it. */
@Injectable()
export class BodyParsed implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const error = context.switchToHttp().getRequest<ParsedRequest>()[PARSE_ERROR];
    if (error) throw error;
    return true;
  }
}
