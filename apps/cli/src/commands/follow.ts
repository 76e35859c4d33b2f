import {
  backoffMs,
  type EpochMetricDto,
  type EpochMetricEventPayload,
  fieldIssues,
  OutageNotices,
  outageState,
  parseSubscribeAck,
  type RunDto,
  RunEventMessage,
  type RunStatus,
  STREAM,
  type StatusEventPayload,
  type SubscribeRequest,
  type WorkerDto,
} from '@reslab/contracts';
import type { ResLabApi } from '../api-client.js';
import type { Command } from '../command.js';
import { percent, shortId } from '../format.js';
import { runsResolver } from './runs.js';

const TERMINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
const ACK_TIMEOUT_MS = 15_000;

/** The fields printed: an epoch from the snapshot (EpochMetricDto) or from an event's payload. */
type EpochLine = Pick<
  EpochMetricDto & EpochMetricEventPayload,
  'epoch' | 'split' | 'loss' | 'accuracy' | 'f1' | 'seconds'
>;

function epochLine(m: EpochLine, epochs: number): string {
  return [
    `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`,
    m.split.padEnd(5),
    `loss ${m.loss.toFixed(4)}`,
    `acc ${percent(m.accuracy).padStart(7)}`,
    `macro-F1 ${m.f1.toFixed(4)}`,
    `${m.seconds.toFixed(1)}s`,
  ].join('  ');
}

/**
 * Follows one run over the socket.io stream until it ends. Each (re)connection
 * subscribes with the id of the last event seen, so the server replays what
 * was missed while the connection was down; events are deduplicated by id.
 * Through an outage (orchestrator stopped, database down) it keeps retrying
 * and says so once per change on stderr. Resolves the exit code: 0 when the
 * run succeeds, 1 when it fails or is cancelled, or no longer exists.
 */
export function followRun(
  api: ResLabApi,
  run: RunDto,
  workers: WorkerDto[],
  out: (line: string) => void,
  note: (line: string) => void,
  outages: OutageNotices = new OutageNotices(note),
): Promise<number> {
  // The credential goes in the handshake; reconnection is ours, with the shared backoff, so it can be announced.
  const socket = api.stream();
  const workerName = new Map(workers.map((w) => [w.id, w.name]));
  const epochs = run.config.epochs;
  const seen = new Set<string>();
  let lastEventId: bigint | null = null;
  // Attempt -1 matches no real state, so the snapshot's status is always printed once.
  let status: { status: RunStatus; attempt: number; reason: string | null } = {
    status: run.status,
    attempt: -1,
    reason: null,
  };
  /** Epoch lines printed from the first snapshot; a pushed copy of one of them is not printed twice. */
  const fromSnapshot = new Set<string>();
  /** Every epoch line printed, by epoch and split: a resync prints from its snapshot only the others. */
  const printed = new Set<string>();
  /** Events pushed while the subscribe ack is in flight; handled after the snapshot and the replay. */
  let buffered: RunEventMessage[] | null = null;
  /** Failed connections or subscriptions in a row: the backoff's exponent. */
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve, reject) => {
    let finished = false;
    const finish = async (code: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(retryTimer);
      socket.close();
      if (code !== 0) {
        out(`run ${run.id} ${status.status}${status.reason ? `: ${status.reason}` : ''}`);
        const final = await api.getRun(run.id).catch(() => null);
        const tail = final?.stderrTail?.trimEnd().split('\n').slice(-20);
        if (final?.status === 'failed' && tail?.length) note(`last lines of the engine's stderr:\n${tail.join('\n')}`);
      } else {
        out(`run ${run.id} succeeded`);
      }
      resolve(code);
    };

    const showStatus = (next: StatusEventPayload) => {
      const attempt = next.attempt;
      if (next.status === status.status && attempt === status.attempt) return;
      status = { status: next.status, attempt, reason: next.failureReason ?? null };
      const where = next.workerId ? ` on ${workerName.get(next.workerId) ?? shortId(next.workerId)}` : '';
      out(`status ${next.status} (attempt ${attempt}${where})${next.failureReason ? `: ${next.failureReason}` : ''}`);
      if (TERMINAL.has(next.status)) void finish(next.status === 'succeeded' ? 0 : 1);
    };

    const handle = (event: RunEventMessage) => {
      if (finished || seen.has(event.id)) return;
      seen.add(event.id);
      const id = BigInt(event.id);
      if (lastEventId === null || id > lastEventId) lastEventId = id;
      if (event.type === 'epoch_metric') {
        const key = `${event.payload.epoch}:${event.payload.split}`;
        if (fromSnapshot.delete(key)) return;
        printed.add(key);
        out(epochLine(event.payload, epochs));
      } else if (event.type === 'status') {
        showStatus(event.payload);
      }
    };

    socket.on(STREAM.runEvent, (message: unknown) => {
      const event = RunEventMessage.safeParse(message);
      if (!event.success || event.data.runId !== run.id) return;
      if (buffered) buffered.push(event.data);
      else handle(event.data);
    });

    const reconnectLater = (state: string) => {
      if (finished) return;
      const delay = backoffMs(failures++);
      outages.failed(state, delay);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => socket.connect(), delay);
    };

    socket.on('connect', async () => {
      buffered = [];
      const request: SubscribeRequest = {
        room: { kind: 'run', id: run.id },
        ...(lastEventId === null ? {} : { afterEventId: lastEventId.toString() }),
      };
      let raw: unknown;
      try {
        raw = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(STREAM.subscribe, request);
      } catch (error) {
        socket.disconnect();
        reconnectLater(`the stream did not answer the subscription (${(error as Error).message})`);
        return;
      }
      const parsed = parseSubscribeAck('run', raw);
      if (!parsed.success) {
        socket.disconnect();
        const issues = fieldIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
        reconnectLater(`the stream answered the subscription with what this CLI does not read (${issues.join('; ')})`);
        return;
      }
      const ack = parsed.data;
      if (!ack.ok) {
        socket.disconnect();
        // A refusal while the database is down is worth retrying; one for a run that is gone is not.
        api.getRun(run.id).then(
          () => reconnectLater(`the stream refused the subscription (${ack.error})`),
          (error: Error) => {
            note(`reslab: the stream refused the subscription: ${ack.error} (${error.message})`);
            void finish(1);
          },
        );
        return;
      }
      failures = 0;
      outages.recovered();
      // A resync (more missed than the stream replays, or pruned) catches up from the snapshot, as a first subscribe.
      if (lastEventId === null || ack.resync) {
        if (ack.resync) note('missed more than the stream replays; catching up from the run as it is now');
        const { snapshot } = ack;
        for (const metric of snapshot.metrics) {
          const key = `${metric.epoch}:${metric.split}`;
          if (printed.has(key)) continue;
          printed.add(key);
          fromSnapshot.add(key);
          out(epochLine(metric, epochs));
        }
        // Not the snapshot's id as a replay filter: an event may commit between its reads, so ids dedupe instead.
        lastEventId = BigInt(snapshot.lastEventId);
        showStatus({ ...snapshot.run });
      }
      for (const event of ack.missed) handle(event);
      const pushed = buffered;
      buffered = null;
      for (const event of pushed) handle(event);
      if (TERMINAL.has(status.status)) void finish(status.status === 'succeeded' ? 0 : 1);
    });

    socket.on('disconnect', (reason) => {
      // finish() closes the socket, perhaps while the ack is still being handled.
      if (finished) return;
      buffered = null;
      // Our own disconnect() schedules its retry where it is called.
      if (reason !== 'io client disconnect') reconnectLater(outageState(null));
    });
    socket.on('connect_error', (error: Error & { type?: string }) => {
      if (error.type === 'TransportError') return reconnectLater(outageState(null));
      // The server refused the handshake: a credential revoked since the follow began fails for good,
      // as REST says (a 401 prints how to sign in again); anything else may pass, and is retried.
      api.getRun(run.id).then(
        () => reconnectLater(`the stream refused the connection (${error.message})`),
        (refusal: Error) => {
          if (finished) return;
          finished = true;
          clearTimeout(retryTimer);
          socket.close();
          reject(refusal);
        },
      );
    });
  });
}

export const runsFollow: Command = {
  noun: 'runs',
  verb: 'follow',
  usage: '<id>',
  summary:
    'print each epoch as it lands and status changes, riding out orchestrator outages; exit 0 if the run succeeds, 1 if not',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api: impatient, positionals, out, note }) {
    const outages = new OutageNotices(note);
    const api = impatient.ridingOut(outages);
    const id = await runsResolver(api)(positionals[0] as string);
    const [run, workers] = await Promise.all([api.getRun(id), api.listWorkers()]);
    out(
      `following run ${run.id} (${run.name ?? 'unnamed'}): ${run.config.model.arch}${run.config.model.depth}, ${run.config.data.dataset}, ${run.config.epochs} epochs`,
    );
    return followRun(api, run, workers, out, note, outages);
  },
};
