/**
 * Socket fan-out across orchestrator replicas: how much later a socket connected to replica B gets an event that
 * replica A ingested than a socket connected to A itself does.
 *
 * Two orchestrator processes on one database (test/support/replicas.ts). The benchmark holds a run as its worker
 * would (enrolled, claimed through A) and POSTs one epoch_metric at a time to A's /runs/:id/events; two sockets,
 * one on A and one on B, are subscribed to the run's room. Each event is timed from just before its POST to its
 * arrival on each socket, so the two paths are measured on the same events, interleaved by construction:
 *  - on A: ingest -> Postgres -> A's socket.io room;
 *  - on B: the same, then socket.io's Postgres adapter (an INSERT into socket_io_attachments and a NOTIFY on A,
 *    a SELECT on B; stream-io.adapter.ts) -> B's room.
 * The next event is sent once both sockets have the last one. One machine, one clock (performance.now()).
 * Prints figures; never fails on a time.
 *
 *   DATABASE_URL=postgresql://reslab:reslab@127.0.0.1:55432/reslab npx tsx benchmarks/replicas.ts [events]
 */
import { cpus, loadavg } from 'node:os';
import { type ClaimResponse, type RunDto, RunEventMessage, STREAM } from '@reslab/contracts';
import { handshake, openStream, subscribeRoom } from '../test/support/identity.js';
import { startReplica } from '../test/support/replicas.js';
import { epochMetric, tinyConfig } from '../test/support/runs.js';
import { api, enrolTestWorker, startStack } from '../test/support/stack.js';
import { percentile, summary } from './figures.js';

const EVENTS = Number(process.argv[2] ?? 300);
/** Long enough that the held run's lease outlives the benchmark without heartbeats, s. */
const LEASE_SECONDS = 3600;

const stack = await startStack('reslab_bench_replicas', { leaseSeconds: LEASE_SECONDS });
const b = await startReplica(stack, { leaseSeconds: LEASE_SECONDS });
try {
  const holder = await enrolTestWorker(stack, 'bench-replicas-holder');
  const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { name: 'fan-out', config: tinyConfig() });
  const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${holder.id}/claim`, undefined, holder.as);
  if (claim.body.assignment?.runId !== run.id) throw new Error('the benchmark could not claim its run');

  const arrivals = { a: new Map<number, number>(), b: new Map<number, number>() };
  for (const [side, apiUrl] of [
    ['a', stack.apiUrl],
    ['b', b.apiUrl],
  ] as const) {
    const socket = openStream({ apiUrl }, { token: stack.admin.apiKey });
    socket.on(STREAM.runEvent, (raw: unknown) => {
      const event = RunEventMessage.parse(raw);
      if (event.type === 'epoch_metric') arrivals[side].set(event.payload.epoch, performance.now());
    });
    if ((await handshake(socket)).outcome !== 'connected') throw new Error(`socket on ${side} refused`);
    const ack = await subscribeRoom(socket, { kind: 'run', id: run.id });
    if (!ack.ok) throw new Error(ack.error);
  }

  const onA: number[] = [];
  const onB: number[] = [];
  const later: number[] = [];
  for (let epoch = 1; epoch <= EVENTS; epoch++) {
    const sent = performance.now();
    const answer = await api(
      stack,
      'POST',
      `/runs/${run.id}/events`,
      { workerId: holder.id, attempt: 1, seq: epoch, events: [epochMetric(epoch, 'train', 1 / epoch)] },
      holder.as,
    );
    if (answer.status >= 300) throw new Error(`ingest: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    const deadline = Date.now() + 10_000;
    while (!(arrivals.a.has(epoch) && arrivals.b.has(epoch))) {
      if (Date.now() > deadline) throw new Error(`epoch ${epoch} did not reach both sockets within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const a = (arrivals.a.get(epoch) as number) - sent;
    const bb = (arrivals.b.get(epoch) as number) - sent;
    onA.push(a);
    onB.push(bb);
    later.push(bb - a);
  }

  const iqr = (values: number[]) => `${percentile(values, 25).toFixed(1)}–${percentile(values, 75).toFixed(1)} ms`;
  console.log(
    `socket fan-out across 2 orchestrator replicas, ${EVENTS} epoch_metric events ingested on A, one at a time`,
  );
  console.log(
    `  machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`  POST on A -> socket on A (baseline): ${summary(onA)}, IQR ${iqr(onA)}`);
  console.log(`  POST on A -> socket on B (adapter):  ${summary(onB)}, IQR ${iqr(onB)}`);
  console.log(`  B later than A, same event:          ${summary(later)}, IQR ${iqr(later)}`);
} finally {
  await b.process.stop();
  await stack.stop();
}
process.exit(0);
