/**
 * Latency from an engine event to a socket.io client on loopback, p50/p95:
 *   - whole path: FAKE engine prints an epoch metric -> worker (which batches
 *     for up to 250 ms, BATCH_DELAY_MS in apps/worker) -> POST /events ->
 *     Postgres -> socket.io -> client;
 *   - orchestrator path: the benchmark posts one event as the holding worker
 *     and times it to the client;
 *   - baseline: a loopback HTTP round trip to GET /health on the same server.
 * Run: DATABASE_URL=... npx tsx benchmarks/stream.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ClaimResponse,
  type EpochMetricDto,
  type Page,
  type RunDto,
  type RunEventMessage,
  STREAM,
} from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { waitFor } from '../test/support/processes.js';
import { tinyConfig } from '../test/support/runs.js';
import { api, enrolTestWorker, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../test/support/stack.js';
import { summary } from './figures.js';

const now = () => performance.timeOrigin + performance.now();

async function subscribed(stack: Stack, runId: string, onEvent: (e: RunEventMessage, at: number) => void) {
  const socket: Socket = io(stack.apiUrl, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: stack.admin.apiKey },
  });
  socket.on(STREAM.runEvent, (e: RunEventMessage) => onEvent(e, now()));
  await new Promise((resolve) => socket.emit(STREAM.subscribe, { room: { kind: 'run', id: runId } }, resolve));
  return socket;
}

async function wholePath(stack: Stack): Promise<number[]> {
  const epochs = 40;
  const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig({ epochs }) });
  const arrived = new Map<string, number>();
  const socket = await subscribed(stack, run.id, (e, at) => {
    if (e.type === 'epoch_metric') arrived.set(`${e.payload.epoch}:${e.payload.split}`, at);
  });
  await waitFor('the run to finish', async () => {
    const { body } = await api<RunDto>(stack, 'GET', `/runs/${run.id}`);
    return body.status === 'succeeded' ? true : undefined;
  });
  await waitFor('every epoch at the client', async () => (arrived.size === 2 * epochs + 1 ? true : undefined));
  socket.close();
  const printed = readFileSync(
    join(stack.workDir, 'artifacts', 'runs', run.id, 'attempt-1', 'fake-engine-events.jsonl'),
    'utf8',
  )
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { epoch: number; split: string; at: number });
  return printed.map((p) => (arrived.get(`${p.epoch}:${p.split}`) as number) - p.at);
}

async function orchestratorPath(stack: Stack, samples: number): Promise<number[]> {
  const worker = await enrolTestWorker(stack, 'bench');
  await api(stack, 'POST', '/runs', { config: tinyConfig({ epochs: samples }) });
  const { body } = await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as);
  const runId = body.assignment?.runId as string;
  let resolveArrival: (at: number) => void = () => {};
  const socket = await subscribed(stack, runId, (e, at) => {
    if (e.type === 'epoch_metric') resolveArrival(at);
  });
  const template = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${(await firstRunWithMetrics(stack)).id}/metrics`))
    .body[0] as EpochMetricDto;
  const { runId: _r, top5: _t, weighted: _w, confusion: _c, ...fields } = template;
  const latencies: number[] = [];
  for (let epoch = 1; epoch <= samples; epoch++) {
    const arrival = new Promise<number>((resolve) => {
      resolveArrival = resolve;
    });
    const t0 = now();
    const event = { v: 1, time: new Date().toISOString(), type: 'epoch_metric', ...fields, epoch, split: 'train' };
    await api(
      stack,
      'POST',
      `/runs/${runId}/events`,
      { workerId: worker.id, attempt: 1, seq: epoch, events: [event] },
      worker.as,
    );
    latencies.push((await arrival) - t0);
  }
  socket.close();
  return latencies;
}

async function firstRunWithMetrics(stack: Stack): Promise<RunDto> {
  const { body } = await api<Page<RunDto>>(stack, 'GET', '/runs?status=succeeded');
  return body.items[0] as RunDto;
}

async function healthRoundTrips(stack: Stack, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    await fetch(`${stack.apiUrl}/health`).then((r) => r.text());
    out.push(now() - t0);
  }
  return out;
}

const stack = await startStack('reslab_bench_stream', { leaseSeconds: 3600 });
try {
  const worker = await stack.startWorker('bench-stream', {
    env: {
      RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND,
      RESLAB_FAKE_EPOCH_MS: '100',
      RESLAB_FAKE_EVENT_TIMES: '1',
      LOG_LEVEL: 'warn',
    },
  });
  const whole = await wholePath(stack);
  await worker.stop();
  await healthRoundTrips(stack, 50); // warm-up
  const health = await healthRoundTrips(stack, 200);
  const direct = await orchestratorPath(stack, 200);
  console.log(`engine print -> client, through worker (batches up to 250 ms): ${summary(whole)}`);
  console.log(`POST one event -> client (orchestrator, Postgres, socket.io):  ${summary(direct)}`);
  console.log(`baseline: GET /health round trip on loopback:                 ${summary(health)}`);
} finally {
  await stack.stop();
}
