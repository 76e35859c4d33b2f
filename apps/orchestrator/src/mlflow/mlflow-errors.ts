import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FieldIssue } from '@reslab/contracts';
import { isConnectionError } from '../common/database-unavailable.filter.js';
import { DatabaseHealthService } from '../database/database-health.service.js';
import { logger } from '../logger.js';

/**
 * MLflow's error answers: `{error_code, message}` with the codes of mlflow/protos/databricks.proto and the HTTP
 * statuses MLflow's server gives them (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS). MLflow's client reads
 * the code back into MlflowException.error_code, so a script's `except` works as against MLflow's own server.
 */
export const MLFLOW_ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;
export type MlflowErrorCode = keyof typeof MLFLOW_ERROR_STATUS;

export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return MLFLOW_ERROR_STATUS[this.code];
  }
}

export const invalidParameter = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const doesNotExist = (message: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);

/** ResLab's own HTTP errors (the AccessGuard's, the run services') in MLflow's codes. */
function fromHttp(exception: HttpException): MlflowError {
  const status = exception.getStatus();
  const response = exception.getResponse() as string | { message?: unknown; issues?: FieldIssue[] };
  let message =
    typeof response === 'string'
      ? response
      : typeof response.message === 'string'
        ? response.message
        : exception.message;
  // ZodValidationPipe's 400 names each bad field: say them in MLflow's words for parameters.
  if (typeof response === 'object' && response.issues?.length) {
    message = response.issues
      .map((i) =>
        // zod's wording for an absent field; MLflow's server says it as below (handlers.py _get_request_message).
        i.message.endsWith('received undefined')
          ? `Missing value for required parameter '${i.path}'`
          : `Invalid value for parameter '${i.path}': ${i.message}`,
      )
      .join('; ');
  }
  switch (status) {
    case 400:
      return new MlflowError('INVALID_PARAMETER_VALUE', message);
    case 401:
      return new MlflowError('UNAUTHENTICATED', message);
    case 403:
      return new MlflowError('PERMISSION_DENIED', message);
    case 404:
      return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
    case 409:
      return new MlflowError('RESOURCE_CONFLICT', message);
    case 413:
      return new MlflowError('INVALID_PARAMETER_VALUE', message);
    case 503:
      return new MlflowError('TEMPORARILY_UNAVAILABLE', message);
    default:
      return new MlflowError(status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_PARAMETER_VALUE', message);
  }
}

interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(name: string, value: string): ExpressResponse;
  json(body: unknown): void;
}

/**
 * Answers everything thrown on the MLflow routes in MLflow's shape: a controller's filter also catches what the
 * AccessGuard throws before the handler runs (a bad token is MLflow's UNAUTHENTICATED, not ResLab's 401 body).
 * A lost database is TEMPORARILY_UNAVAILABLE (503), which MLflow's client retries with backoff, as the global
 * DatabaseUnavailableFilter answers the other routes.
 */
@Catch()
export class MlflowErrorFilter implements ExceptionFilter {
  constructor(private readonly health: DatabaseHealthService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    let error: MlflowError;
    if (exception instanceof MlflowError) error = exception;
    else if (exception instanceof HttpException) error = fromHttp(exception);
    else if (isConnectionError(exception)) {
      this.health.markDown(exception as Error);
      error = new MlflowError('TEMPORARILY_UNAVAILABLE', 'the database is unreachable (retry)');
    } else {
      logger.error({ err: exception }, 'MLflow route failed');
      error = new MlflowError('INTERNAL_ERROR', 'internal error (see the orchestrator log)');
    }
    const response = host.switchToHttp().getResponse<ExpressResponse>();
    if (error.code === 'TEMPORARILY_UNAVAILABLE') response.set('retry-after', '2');
    response.status(error.status).json({ error_code: error.code, message: error.message });
  }
}
