import { request as httpRequest } from 'node:http';
import type { ApiError, ClaimResponse, EpochMetricEvent, RunDto } from '@reslab/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  handshake,
  minimalBody,
  openStream,
  operationName,
  type SpecOperation,
  specOperations,
} from '../support/identity.js';
import { epochMetric, tinyConfig } from '../support/runs.js';
import {
  api,
  callApi,
  DEMO_TEAM,
  enrolTestWorker,
  type Stack,
  startStack,
  type TestWorker,
  teamId,
} from '../support/stack.js';

/** The dashboard's own origin, which the orchestrator allows by default (RESLAB_ALLOWED_ORIGINS unset). */
const DASHBOARD = 'http://127.0.0.1:3000';
const EVIL = 'https://evil.example';

/**
 * The edges of the API as a browser and a careless client meet them: CORS and
 * the socket's origin check, helmet's headers, body limits, NUL bytes.
 */
describe('origins, headers and body limits (real orchestrator, real Postgres)', () => {
  let stack: Stack;
  let operations: SpecOperation[];
  let worker: TestWorker;
  let held: RunDto;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack('reslab_origins');
    operations = await specOperations(stack);
    worker = await enrolTestWorker(stack, 'ingest-worker');
    held = (await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig() })).body;
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as);
    expect(claim.body.assignment?.runId).toBe(held.id);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  const withOrigin = (method: string, path: string, origin: string, headers: Record<string, string> = {}) =>
    callApi(stack, method, path, {
      token: method === 'OPTIONS' ? null : stack.admin.apiKey,
      headers: { origin, ...headers },
    });
  const preflight = (origin: string) =>
    withOrigin('OPTIONS', '/runs', origin, {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });

  it('grants CORS to the dashboard origin only, with credentials; a foreign origin gets no grant', async () => {
    const evil = await withOrigin('GET', '/runs', EVIL);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const evilPreflight = await preflight(EVIL);
    expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();

    const own = await withOrigin('GET', '/runs', DASHBOARD);
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(own.headers.get('access-control-allow-credentials')).toBe('true');
    const ownPreflight = await preflight(DASHBOARD);
    expect(ownPreflight.status).toBeLessThan(300);
    expect(ownPreflight.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(ownPreflight.headers.get('access-control-allow-methods')).toContain('POST');
    console.log(
      `CORS: ${EVIL} got no grant (GET ${evil.status}, preflight ${evilPreflight.status}); ${DASHBOARD} granted with credentials`,
    );
  });

  it('refuses a WebSocket upgrade from a foreign origin and accepts the dashboard origin', async () => {
    const evil = openStream(stack, { token: stack.admin.apiKey, origin: EVIL });
    const evilPolling = openStream(stack, { token: stack.admin.apiKey, origin: EVIL, transports: ['polling'] });
    const own = openStream(stack, { token: stack.admin.apiKey, origin: DASHBOARD });
    sockets.push(evil, evilPolling, own);
    expect((await handshake(evil)).outcome).toBe('refused');
    expect((await handshake(evilPolling)).outcome).toBe('refused');
    expect((await handshake(own)).outcome).toBe('connected');

    // Below socket.io-client: the raw upgrade request a page would make, with a valid key; only the Origin differs.
    const upgrade = await rawUpgrade(stack.apiUrl, EVIL, stack.admin.apiKey);
    expect(await rawUpgrade(stack.apiUrl, DASHBOARD, stack.admin.apiKey)).toBe('101 switched protocols');
    console.log(`WebSocket from ${EVIL}: refused (raw upgrade answered: ${upgrade}); from ${DASHBOARD}: connected`);
    expect(upgrade).not.toBe('101 switched protocols');
  });

  it("sets helmet's headers and no X-Powered-By, on answers and errors alike", async () => {
    for (const [path, token] of [
      ['/health', null],
      ['/runs', stack.admin.apiKey],
      ['/runs', null],
      ['/no-such-route', stack.admin.apiKey],
    ] as const) {
      const answer = await callApi(stack, 'GET', path, { token });
      const what = `GET ${path} (${answer.status})`;
      expect(answer.headers.get('x-powered-by'), what).toBeNull();
      expect(answer.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(answer.headers.get('content-security-policy'), what).toContain("frame-ancestors 'self'");
      expect(answer.headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
    }
  });

  it('limits bodies to 256 kB, answering 413 in JSON, except engine events, which take a 1 MiB batch (up to 16 MiB)', async () => {
    const padded = JSON.stringify({ config: tinyConfig(), name: 'x'.repeat(300 * 1024) });
    const large = await callApi(stack, 'POST', '/runs', { token: stack.admin.apiKey, rawBody: padded });
    expect(large.status).toBe(413);
    expect(large.headers.get('content-type')).toContain('application/json');
    expect((large.json as ApiError).statusCode).toBe(413);

    // An epoch of a 400-class problem with its confusion matrix: a real batch of about 1 MiB.
    const classes = 400;
    const metric: EpochMetricEvent = {
      ...epochMetric(1, 'train', 1.0),
      perClass: Array.from({ length: classes }, () => ({ precision: 0.5, recall: 0.5, f1: 0.5, support: 1000 })),
      confusion: Array.from({ length: classes }, () => Array.from({ length: classes }, () => 123456)),
    };
    const batch = JSON.stringify({ workerId: worker.id, attempt: 1, seq: 1, events: [metric] });
    expect(Buffer.byteLength(batch)).toBeGreaterThan(1024 * 1024);
    const ingest = await callApi(stack, 'POST', `/runs/${held.id}/events`, { token: worker.secret, rawBody: batch });
    console.log(
      `body limits: ${Buffer.byteLength(padded)} B to POST /runs -> ${large.status}; ` +
        `${Buffer.byteLength(batch)} B of events -> ${ingest.status}`,
    );
    expect(ingest.status, ingest.text).not.toBe(413);
    expect(ingest.status, ingest.text).toBe(200);
    // The ingest route's own limit is 16 MiB.
    const huge = `{"events":"${'a'.repeat(17 * 1024 * 1024)}"}`;
    const tooHuge = await callApi(stack, 'POST', `/runs/${held.id}/events`, { token: worker.secret, rawBody: huge });
    expect(tooHuge.status).toBe(413);
    expect((tooHuge.json as ApiError).statusCode).toBe(413);
  });

  it('refuses a NUL byte in any text field of any body with 400 naming the field (from /openapi.json)', async () => {
    const user = await api<ApiError>(stack, 'POST', '/users', {
      email: 'nul@reslab.test',
      name: 'a\u0000b',
      password: 'password-1234',
    });
    expect(user.status).toBe(400);
    expect(user.body.issues?.map((i) => i.path)).toEqual(['name']);

    // Every string of every body the spec describes, in turn, with a NUL byte in it.
    const team = await teamId(stack, DEMO_TEAM);
    const sweep = (await api<{ id: string }>(stack, 'POST', '/sweeps', { name: 's', base: tinyConfig() })).body;
    const external = (await api<{ id: string }>(stack, 'POST', '/external-runs', {})).body;
    const byKind: Record<string, string> = {
      runs: held.id,
      teams: team,
      workers: worker.id,
      sweeps: sweep.id,
      'external-runs': external.id,
    };
    const tried: string[] = [];
    let batches = 100;
    const refusals: string[] = [];
    for (const op of operations.filter((o) => o.bodySchema)) {
      let path = op.path;
      for (const param of op.pathParams) path = path.replace(`{${param}}`, byKind[op.path.split('/')[1] ?? ''] ?? '');
      const token = op.isPublic ? null : op.workerOnly ? worker.secret : stack.admin.apiKey;
      const named = (seq: number) => ({
        workerId: worker.id,
        attempt: 1,
        // A new batch each time: a batch number already stored is acknowledged without being read.
        seq,
        config: tinyConfig(),
        base: tinyConfig(),
        project: `${DEMO_TEAM}/default`,
        runId: held.id,
        events: [epochMetric(1, 'val', 1)],
        teamId: team,
        // The worker registers under the name it enrolled with; another name is refused before any text is stored.
        ...(op.path === '/workers' ? { name: 'ingest-worker' } : {}),
      });
      const fields = stringFields(minimalBody(op.bodySchema ?? {}, named(0), { everyProperty: true }));
      for (const field of fields) {
        const body = minimalBody(op.bodySchema ?? {}, named(++batches), { everyProperty: true });
        const answer = await callApi(stack, op.method, path, { token, body: withNul(body, field) });
        const name = `${operationName(op)} ${field}`;
        tried.push(name);
        const named400 = answer.status === 400 && (answer.json as ApiError).issues?.some((i) => i.path === field);
        // The guard compares a worker's own id with the body's before the body is validated.
        const refusedFirst = field === 'workerId' && answer.status === 403;
        if (!named400 && !refusedFirst) refusals.push(`${name}: ${answer.status} ${answer.text}`);
      }
    }
    console.log(
      `NUL bytes: ${tried.length} string fields of ${operations.filter((o) => o.bodySchema).length} bodies tried, ` +
        `${tried.length - refusals.length} refused with 400 naming the field (or 403 for another worker's id)`,
    );
    expect(refusals).toEqual([]);
  });
});

/** A WebSocket upgrade of the socket.io endpoint from `origin`: '101 switched protocols', or what came instead. */
function rawUpgrade(apiUrl: string, origin: string, token: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const url = new URL('/socket.io/?EIO=4&transport=websocket', apiUrl);
    const req = httpRequest(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        origin,
        authorization: `Bearer ${token}`,
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('sixteen byte key').toString('base64'),
      },
    });
    req.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve('101 switched protocols');
    });
    req.on('response', (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    req.on('error', (error) => resolve(`connection closed (${error.message})`));
    req.setTimeout(10_000, () => reject(new Error('raw upgrade: no answer within 10 s')));
    req.end();
  });
}

/** Dotted paths of every string in a JSON value (array items as their index). */
function stringFields(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringFields(v, `${prefix}${prefix ? '.' : ''}${i}`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringFields(v, `${prefix}${prefix ? '.' : ''}${k}`));
  }
  return [];
}

/** A copy of `value` with a NUL byte inside the string at `field`. */
function withNul(value: unknown, field: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = field.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  node[last] = `${String(node[last]).slice(0, 1)}\u0000${String(node[last]).slice(1)}`;
  return copy;
}
