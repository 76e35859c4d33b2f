import type { ArgumentsHost } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { forbidden, invalidField, notFound, unauthorized } from '../src/common/api-errors.js';
import { ZodValidationPipe } from '../src/common/zod-validation.pipe.js';
import type { DatabaseHealthService } from '../src/database/database-health.service.js';
import { MlflowError, MlflowErrorFilter } from '../src/mlflow/mlflow-errors.js';
import { GetMetricHistory } from '../src/mlflow/mlflow-protocol.js';

/** What the filter wrote to the response: status, headers, body. */
function answer(exception: unknown) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    set(name: string, value: string) {
      sent.headers[name] = value;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  const marked: Error[] = [];
  const health = { markDown: (error: Error) => marked.push(error) } as unknown as DatabaseHealthService;
  new MlflowErrorFilter(health).catch(exception, host);
  return { ...sent, marked };
}

function pipeError(value: unknown): unknown {
  try {
    new ZodValidationPipe(GetMetricHistory).transform(value);
  } catch (error) {
    return error;
  }
  throw new Error('expected the pipe to refuse');
}

describe("the MLflow routes' errors", () => {
  it("answer ResLab's own refusals, the AccessGuard's included, in MLflow's codes and statuses", () => {
    expect(answer(unauthorized('no credential'))).toMatchObject({
      status: 401,
      body: { error_code: 'UNAUTHENTICATED', message: 'no credential' },
    });
    expect(answer(forbidden('needs member'))).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED' } });
    expect(answer(notFound('external run x'))).toMatchObject({
      status: 404,
      body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'external run x does not exist' },
    });
    expect(answer(invalidField('params.lr', 'is already logged'))).toMatchObject({
      status: 400,
      body: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Invalid value for parameter 'params.lr': is already logged",
      },
    });
    expect(answer(new MlflowError('RESOURCE_ALREADY_EXISTS', 'taken'))).toMatchObject({ status: 400 });
    expect(answer(new MlflowError('NOT_IMPLEMENTED', 'no artifacts'))).toMatchObject({ status: 501 });
  });

  it("word a request's bad fields as MLflow's server does", () => {
    expect(answer(pipeError({ run_id: 'r' })).body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'metric_key'",
    });
    expect(answer(pipeError({ run_id: 'r', metric_key: 'loss', max_results: 'ten' })).body).toMatchObject({
      message: expect.stringContaining("Invalid value for parameter 'max_results'"),
    });
  });

  it('answer a lost database with TEMPORARILY_UNAVAILABLE, which the client retries, and anything else with 500', () => {
    const lost = answer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(lost).toMatchObject({
      status: 503,
      headers: { 'retry-after': '2' },
      body: { error_code: 'TEMPORARILY_UNAVAILABLE' },
    });
    expect(lost.marked).toHaveLength(1);
    const bug = answer(new TypeError("Cannot read properties of undefined (reading 'id')"));
    // The message says where to look, not what broke: a stack or a query is no client's business.
    expect(bug).toMatchObject({
      status: 500,
      body: { error_code: 'INTERNAL_ERROR', message: 'internal error (see the orchestrator log)' },
    });
    expect(bug.marked).toHaveLength(0);
  });
});
