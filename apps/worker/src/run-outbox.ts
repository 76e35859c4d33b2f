import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineEvent, FinishRunRequest, RegisterArtifactRequest } from '@reslab/contracts';
import type { Logger } from 'pino';
import { ApiRequestError, backoffMs, type OrchestratorClient, sleep } from './orchestrator-client.js';

export type OutboxItem =
  | { kind: 'events'; events: EngineEvent[] }
  | { kind: 'artifact'; artifact: RegisterArtifactRequest }
  | { kind: 'finish'; report: FinishRunRequest };

/**
 * Everything a worker tells the orchestrator about one run, delivered in
 * order. Items wait on disk (one JSON line each) until the orchestrator takes
 * them, so an orchestrator that is down or restarting loses nothing: the
 * sender retries with backoff until it answers. A 4xx answer is final (the
 * run is no longer ours, or the item is malformed) and drops the item.
 */
export class RunOutbox {
  private items: OutboxItem[] = [];
  private sending: Promise<void> | null = null;

  constructor(
    private readonly runId: string,
    private readonly workerId: string,
    private readonly file: string,
    private readonly api: OrchestratorClient,
    private readonly log: Logger,
    private readonly onDelivered: (item: OutboxItem) => void = () => {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  get pending(): number {
    return this.items.length;
  }

  push(item: OutboxItem): void {
    this.items.push(item);
    this.persist();
    this.sending ??= this.drain().finally(() => {
      this.sending = null;
    });
  }

  /** Resolves once every item pushed so far is delivered or dropped. */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private persist(): void {
    if (!this.items.length) {
      rmSync(this.file, { force: true });
      return;
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${this.items.map((i) => JSON.stringify(i)).join('\n')}\n`);
    renameSync(tmp, this.file);
  }

  private async deliver(item: OutboxItem): Promise<void> {
    if (item.kind === 'events') await this.api.postEvents(this.runId, this.workerId, item.events);
    else if (item.kind === 'artifact') await this.api.registerArtifact(this.runId, item.artifact);
    else await this.api.finish(this.runId, item.report);
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.items.length) {
      const item = this.items[0] as OutboxItem;
      try {
        await this.deliver(item);
        this.onDelivered(item);
      } catch (error) {
        if (error instanceof ApiRequestError && error.retryable) {
          if (failures++ === 0)
            this.log.warn(
              { err: error.message, pending: this.items.length },
              'orchestrator unreachable; buffering on disk',
            );
          await sleep(backoffMs(failures));
          continue;
        }
        this.log.error({ err: (error as Error).message, kind: item.kind }, 'orchestrator refused an item; dropped');
      }
      if (failures) this.log.info({ after: failures }, 'orchestrator reachable again');
      failures = 0;
      this.items.shift();
      this.persist();
    }
  }
}
