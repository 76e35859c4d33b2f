import { type EngineEvent, type FinishRunRequest, type RegisterArtifactRequest } from '@reslab/contracts';
import type { Logger } from 'pino';
import type { DeadLetters } from './dead-letters.js';
import {
  ApiRequestError,
  backoffMs,
  isCredentialRefused,
  type OrchestratorClient,
  sleep,
} from './orchestrator-client.js';
import { type Journaled, OutboxJournal } from './outbox-journal.js';

export type OutboxItem =
  | { kind: 'events'; events: EngineEvent[] }
  | { kind: 'artifact'; artifact: RegisterArtifactRequest }
  | { kind: 'finish'; report: FinishRunRequest };

export interface OutboxHooks {
  onDelivered?: (item: OutboxItem) => void;
  /** The orchestrator answered 409: this attempt is no longer the run's. Its engine must stop. */
  onFenced?: () => void;
}

/**
 * Everything a worker tells the orchestrator about one attempt of one run,
 * delivered in order. Each item is journaled on disk (fsynced) before it is
 * sent and acknowledged once the orchestrator has it, so neither an
 * orchestrator that is down nor a worker killed with -9 loses one: a restarted
 * worker sends what its journals still hold.
 *
 * Answers, by kind:
 * - unreachable or 5xx: retried with capped backoff, for as long as it takes;
 *   other runs have outboxes of their own and are not held up;
 * - 401: the worker's credential is refused (revoked); delivery stops with
 *   every item kept, and the worker exits;
 * - 409: the fence. The attempt is over (its lease ran out and the run moved
 *   on, or it was finished already); every item left is dropped on purpose,
 *   logged once;
 * - any other 4xx: the item itself is wrong. It goes to the dead-letter file,
 *   which `reslab workers` shows, and the rest go on.
 */
export class RunOutbox {
  private sending: Promise<void> | null = null;
  private fencedAt: Date | null = null;

  constructor(
    readonly runId: string,
    readonly attempt: number,
    private readonly workerId: string,
    private readonly journal: OutboxJournal<OutboxItem>,
    private readonly api: OrchestratorClient,
    private readonly deadLetters: DeadLetters,
    private readonly log: Logger,
    private readonly hooks: OutboxHooks = {},
  ) {
    // The journal is the queue: what an earlier process left in it is sent first.
    if (journal.size) this.startDraining();
  }

  get pending(): number {
    return this.journal.size;
  }

  get fenced(): boolean {
    return this.fencedAt !== null;
  }

  /** Whether a finish report waits to be sent: nothing more will come for this attempt. */
  get hasFinish(): boolean {
    return this.journal.pending().some((e) => e.item.kind === 'finish');
  }

  push(item: OutboxItem): void {
    if (this.fenced) return;
    this.journal.append(item);
    this.startDraining();
  }

  /** Resolves once every item pushed so far is delivered or dropped. */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private startDraining(): void {
    this.sending ??= this.drain().finally(() => {
      this.sending = null;
    });
  }

  private async deliver({ seq, item }: Journaled<OutboxItem>): Promise<void> {
    const writer = { workerId: this.workerId, attempt: this.attempt };
    if (item.kind === 'events') await this.api.postEvents(this.runId, { ...writer, seq, events: item.events });
    else if (item.kind === 'artifact') await this.api.registerArtifact(this.runId, { ...item.artifact, ...writer });
    else await this.api.finish(this.runId, { ...item.report, ...writer });
  }

  private async drain(): Promise<void> {
    let failures = 0;
    for (let next = this.journal.first(); next; next = this.journal.first()) {
      try {
        await this.deliver(next);
        this.hooks.onDelivered?.(next.item);
      } catch (error) {
        if (error instanceof ApiRequestError && error.retryable) {
          if (failures++ === 0)
            this.log.warn(
              { err: error.message, pending: this.journal.size },
              'orchestrator unreachable; buffering on disk',
            );
          await sleep(backoffMs(failures));
          continue;
        }
        if (error instanceof ApiRequestError && error.status === 409) {
          this.fence(error.message);
          return;
        }
        if (isCredentialRefused(error)) {
          // Not the item's fault: nothing this worker sends is taken any more. The items stay in the journal and
          // the worker stops (main.ts, through OrchestratorClient's onRefused).
          this.log.warn({ pending: this.journal.size }, 'orchestrator refused the worker credential; delivery stopped');
          return;
        }
        const status = error instanceof ApiRequestError ? (error.status ?? 0) : 0;
        this.log.error(
          { err: (error as Error).message, kind: next.item.kind, status },
          'orchestrator refused an item; kept in the dead-letter file',
        );
        this.deadLetters.add({
          runId: this.runId,
          attempt: this.attempt,
          kind: next.item.kind,
          status,
          message: (error as Error).message.slice(0, 2000),
          item: next.item,
        });
      }
      if (failures) this.log.info({ after: failures }, 'orchestrator reachable again');
      failures = 0;
      this.journal.ack(next.seq);
    }
  }

  private fence(reason: string): void {
    this.fencedAt = new Date();
    const pending = this.journal.pending();
    this.log.warn(
      { reason, dropped: pending.length },
      'attempt fenced by the orchestrator: its remaining items are dropped on purpose and its engine stopped',
    );
    const last = pending.at(-1);
    if (last) this.journal.ack(last.seq);
    this.hooks.onFenced?.();
  }
}
