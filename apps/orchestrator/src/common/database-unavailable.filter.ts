import { type ArgumentsHost, Catch, HttpException, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { ApiError } from '@reslab/contracts';
import type { DatabaseHealthService } from '../database/database-health.service.js';

/**
 * What a lost Postgres connection looks like through the pg driver, Prisma's adapter and pg-boss: socket
 * errors, the server's "shutting down" / "starting up" answers (SQLSTATE 57P01-57P03) and Prisma's
 * connection error codes (P1001, P1017).
 */
const CONNECTION_LOST =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|terminating connection|connection (is )?closed|database system is (starting up|shutting down)|57P0[123]|P1001|P1017|DatabaseNotReachable|ConnectionClosed|Can't reach database/i;

/** The part of express's response this filter uses (the project carries no @types/express). */
interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(name: string, value: string): ExpressResponse;
  json(body: unknown): void;
}

export function isConnectionError(error: unknown): boolean {
  for (
    let e = error as { message?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (CONNECTION_LOST.test(`${String(e.code ?? '')} ${String(e.message ?? '')}`)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * A request that needed the database while it is unreachable gets 503, not a 500 with a stack: clients
 * (workers, CLI, dashboard) read 503 as "the orchestrator is here, retry", and a worker keeps training,
 * since no lease can expire before the database is back (DatabaseHealthService).
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  constructor(
    private readonly health: DatabaseHealthService,
    applicationRef: HttpServer,
  ) {
    super(applicationRef);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const lost = !(exception instanceof HttpException) && host.getType() === 'http' && isConnectionError(exception);
    if (lost) this.health.markDown(exception as Error);
    if (!lost && (exception instanceof HttpException || host.getType() !== 'http' || this.health.isUp)) {
      super.catch(exception, host);
      return;
    }
    const body: ApiError = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is unreachable; the orchestrator keeps every lease until it is back (retry)',
    };
    host.switchToHttp().getResponse<ExpressResponse>().status(503).set('retry-after', '2').json(body);
  }
}
