import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetter } from '@reslab/contracts';
import type { Logger } from 'pino';

/** How many of the newest dead letters the heartbeat carries to the orchestrator (and `reslab workers`). */
const RECENT = 20;

/**
 * Outbox items the orchestrator refused with a 4xx that is not a fence: a bug
 * somewhere, never a fault to retry. Each is appended whole (the item included)
 * to a JSON-lines file in the worker's work dir, for a person to read or replay;
 * the count and the newest few travel with every heartbeat.
 */
export class DeadLetters {
  private count = 0;
  private recent: DeadLetter[] = [];

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const { item: _item, ...letter } = JSON.parse(line) as DeadLetter & { item?: unknown };
        this.remember(letter);
      } catch {
        // a torn last line; the rest still count
      }
    }
  }

  add(letter: Omit<DeadLetter, 'at'> & { item: unknown }): void {
    const { item, ...summary } = letter;
    const entry: DeadLetter = { ...summary, at: new Date().toISOString() };
    this.remember(entry);
    try {
      appendFileSync(this.file, `${JSON.stringify({ ...entry, item })}\n`);
    } catch (error) {
      this.log.error({ file: this.file, err: (error as Error).message }, 'dead letter not written to disk');
    }
  }

  summary(): { count: number; recent: DeadLetter[] } {
    return { count: this.count, recent: this.recent };
  }

  private remember(letter: DeadLetter): void {
    this.count++;
    this.recent = [...this.recent, letter].slice(-RECENT);
  }
}
