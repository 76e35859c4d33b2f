import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiFailure, apiClient, type FailureWords, failureText } from '../lib/api-client.js';
import { wordsOf } from './catalogue-words.js';

const RUN_ID = '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';

/** A stand-in orchestrator on a real socket: each path answers one way. */
function answer(url: string | undefined): { status: number; body: unknown; headers?: Record<string, string> } {
  if (url === `/runs/${RUN_ID}`)
    return { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no run' } };
  if (url === '/auth/me') return { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'sign in' } };
  if (url === '/workers')
    return {
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable' },
      headers: { 'retry-after': '5' },
    };
  if (url === '/teams') return { status: 200, body: [{ id: 'not a team' }] };
  return { status: 204, body: null };
}

describe('the dashboard client, on the contracts requestJson', () => {
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const { status, body, headers } = answer(req.url);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === null ? undefined : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads an unknown object as null, and a 204 as done', async () => {
    const api = apiClient({ base });
    await expect(api.getRun(RUN_ID)).resolves.toBeNull();
    await expect(api.getRun('not-a-uuid')).resolves.toBeNull();
    await expect(api.logout()).resolves.toBeUndefined();
  });

  it('hands a 401 to onUnauthorized before it throws', async () => {
    let told = 0;
    const failure = await apiClient({ base, onUnauthorized: () => told++ })
      .me()
      .catch((e: unknown) => e);
    expect(told).toBe(1);
    expect(failure).toBeInstanceOf(ApiFailure);
    expect(failure).toMatchObject({ kind: 'http', status: 401, url: `${base}/auth/me`, body: { message: 'sign in' } });
  });

  it("keeps the orchestrator's words and its Retry-After, and calls a 5xx retryable", async () => {
    const failure = (await apiClient({ base })
      .listWorkers()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failure).toMatchObject({ kind: 'http', status: 503, retryAfterS: 5, retryable: true });
    expect(failure.message).toBe(`The API at ${base}/workers answered 503: database unavailable`);
  });

  it('calls an answer that breaks the contract a contract failure, naming the field', async () => {
    const failure = (await apiClient({ base })
      .listTeams()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failure.kind).toBe('contract');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/breaks the contract \(0\.id: /);
  });

  it('says unreachable, naming the URL', async () => {
    const failure = (await apiClient({ base: 'http://127.0.0.1:9' })
      .listTeams()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failure).toMatchObject({ kind: 'unreachable', url: 'http://127.0.0.1:9/teams', retryable: true });
  });

  it('words a failure in the page’s language, keeping the orchestrator’s own words where it sent some', async () => {
    const en = wordsOf<Parameters<FailureWords>[0]>('failures', 'en');
    const ko = wordsOf<Parameters<FailureWords>[0]>('failures', 'ko');
    const down = (await apiClient({ base: 'http://127.0.0.1:9' })
      .listTeams()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failureText(en, down)).toBe(
      'The ResLab API at http://127.0.0.1:9/teams did not answer; try again in a moment.',
    );
    expect(failureText(ko, down)).toBe(
      'ResLab API(http://127.0.0.1:9/teams)가 응답하지 않습니다. 잠시 후 다시 시도하세요.',
    );
    const broken = (await apiClient({ base })
      .listTeams()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failureText(ko, broken)).toContain('계약에 맞지 않는');
    const busy = (await apiClient({ base })
      .listWorkers()
      .catch((e: unknown) => e)) as ApiFailure;
    expect(failureText(ko, busy)).toBe('database unavailable');
    expect(failureText(ko, new ApiFailure('http', `${base}/x`, 'English', 502))).toBe(
      `ResLab API(${base}/x)가 502 상태로 응답했습니다.`,
    );
  });
});
