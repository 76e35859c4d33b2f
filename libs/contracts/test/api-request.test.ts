import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiRequestError, backoffMs, OutageNotices, outageState, requestJson, retryTransient } from '../src/index.js';

describe('backoffMs', () => {
  it('doubles from about 0.5 s and stays within 25% jitter of a 15 s cap', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const nominal = Math.min(15_000, 500 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const ms = backoffMs(attempt);
        expect(ms).toBeGreaterThanOrEqual(nominal * 0.75);
        expect(ms).toBeLessThanOrEqual(nominal * 1.25);
      }
    }
  });
});

describe('OutageNotices', () => {
  it('says each change of state once, and recovery once', () => {
    const lines: string[] = [];
    const notices = new OutageNotices((line) => lines.push(line));
    notices.recovered();
    notices.failed(outageState(null), 4_200);
    notices.failed(outageState(null), 8_000);
    notices.failed(outageState(503), 1_000);
    notices.failed(outageState(503), 2_000);
    expect(notices.failing).toBe(true);
    notices.recovered();
    notices.recovered();
    expect(lines).toEqual([
      'orchestrator unreachable, retrying in 4 s',
      'database unavailable, retrying in 1 s',
      'orchestrator reachable again',
    ]);
  });
});

describe('retryTransient', () => {
  it('retries unreachable and 5xx until the attempt succeeds', async () => {
    const failures = [new ApiRequestError('down', null), new ApiRequestError('no database', 503)];
    const retried: (number | null)[] = [];
    const result = await retryTransient(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'answer';
      },
      { tries: Number.POSITIVE_INFINITY, onRetry: (error) => retried.push(error.status) },
    );
    expect(result).toBe('answer');
    expect(retried).toEqual([null, 503]);
  });

  it('throws a 4xx at once: the request itself is wrong', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new ApiRequestError('run not found', 404);
    };
    await expect(retryTransient(attempt, { tries: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(1);
  });
});

describe('requestJson against a real HTTP server', () => {
  let server: Server;
  let base = '';
  const seen: Record<string, string | undefined>[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ accept: req.headers.accept, agent: req.headers['user-agent'], auth: req.headers.authorization });
      if (req.url === '/busy') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' });
        res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'database unavailable' }));
      } else if (req.url === '/bad') {
        res.writeHead(400, { 'content-type': 'application/json' });
        const issues = [{ path: 'config.model.depth', message: 'too deep' }];
        res.end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: 'invalid run', issues }));
      } else if (req.url === '/proxy') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>bad gateway</h1>');
      } else if (req.url === '/hang') {
        // Never answers: the client's timeout decides.
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function failure(path: string, options: Parameters<typeof requestJson>[3] = {}): Promise<ApiRequestError> {
    const error = await requestJson(base, 'GET', path, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    return error as ApiRequestError;
  }

  it('parses a 2xx answer with its contract, sending the credential and the extra headers', async () => {
    const answer = await requestJson(base, 'GET', '/ok', {
      schema: z.object({ status: z.literal('ok') }),
      token: 'rsk_test-token',
      headers: { 'user-agent': 'reslab-test' },
    });
    expect(answer).toEqual({ status: 'ok' });
    expect(seen.at(-1)).toEqual({ accept: 'application/json', agent: 'reslab-test', auth: 'Bearer rsk_test-token' });
  });

  it("keeps the API's error body and the Retry-After of a refusal", async () => {
    const busy = await failure('/busy');
    expect([busy.kind, busy.status, busy.retryable, busy.message]).toEqual(['http', 503, true, 'database unavailable']);
    expect(busy.detail).toEqual({ answer: { message: 'database unavailable', issues: [] }, retryAfterS: 7 });
    const bad = await failure('/bad');
    expect([bad.kind, bad.retryable]).toEqual(['http', false]);
    expect(bad.issues).toEqual([{ path: 'config.model.depth', message: 'too deep' }]);
    expect(bad.detail.answer?.message).toBe('invalid run');
  });

  it("names the route and status of an answer that is not the API's (a proxy's page), with no API body", async () => {
    const proxy = await failure('/proxy');
    expect(proxy.message).toBe('GET /proxy: HTTP 502 <h1>bad gateway</h1>');
    expect(proxy.detail.answer).toBeUndefined();
  });

  it('calls a 2xx answer that breaks the contract a contract failure, naming the field', async () => {
    const drift = await failure('/ok', { schema: z.object({ status: z.literal('ready') }) });
    expect([drift.kind, drift.status, drift.retryable]).toEqual(['contract', 200, false]);
    expect(drift.issues.map((issue) => issue.path)).toEqual(['status']);
  });

  it('says unreachable, and a timeout in seconds, when no answer comes', async () => {
    const hang = await failure('/hang', { timeoutMs: 200 });
    expect([hang.kind, hang.status, hang.retryable]).toEqual(['unreachable', null, true]);
    expect(hang.message).toBe(`GET /hang: cannot reach the ResLab API at ${base} (no answer within 0.2 s)`);
    const nobody = await requestJson('http://127.0.0.1:9', 'GET', '/runs').catch((e: ApiRequestError) => e);
    expect((nobody as ApiRequestError).kind).toBe('unreachable');
  });
});
