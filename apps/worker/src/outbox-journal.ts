import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';

export interface Journaled<T> {
  seq: number;
  item: T;
}

/** Acknowledgements a journal takes before it is rewritten with only its pending items. */
const COMPACT_AFTER_ACKS = 256;

/** Names `<runId>.<attempt>.jsonl`: one journal per attempt, so two attempts of a run never share a file. */
const JOURNAL_NAME = /^([0-9a-f-]{36})\.(\d+)\.jsonl$/;

export function journalPath(dir: string, runId: string, attempt: number): string {
  return join(dir, `${runId}.${attempt}.jsonl`);
}

/** The journals a worker left in `dir`, e.g. before a kill -9. */
export function findJournals(dir: string): { runId: string; attempt: number; file: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const match = JOURNAL_NAME.exec(name);
    return match ? [{ runId: match[1] as string, attempt: Number(match[2]), file: join(dir, name) }] : [];
  });
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * An append-only, fsynced log of one outbox: `{"seq":n,"item":...}` lines as
 * items arrive and `{"ack":n}` lines as they are delivered (everything up to n).
 * A line is on disk (file and folder fsynced) before the item is sent, so
 * whatever the orchestrator has not acknowledged survives a kill -9 or a power
 * cut. A torn last line (a crash mid-write) is skipped on reading.
 *
 * A write that fails (a full disk) is logged once; the item stays in memory,
 * is still delivered, and is written as soon as the disk takes it. The journal
 * is removed once everything is delivered, and rewritten with only its pending
 * items after every COMPACT_AFTER_ACKS acknowledgements.
 */
export class OutboxJournal<T> {
  private fd: number | null = null;
  /** Bytes in the file: a failed write is cut back to this. */
  private fileBytes = 0;
  private nextSeq = 1;
  private acksSinceCompaction = 0;
  /** Unacknowledged items by seq, in seq order: appended in order, read back in file order. */
  private readonly items = new Map<number, T>();
  /** Items the disk refused, oldest first; written before any newer line. */
  private unwritten: Journaled<T>[] = [];
  private diskError: string | null = null;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) this.read();
  }

  /** What the journal holds that was never acknowledged, oldest first. */
  pending(): Journaled<T>[] {
    return [...this.items].map(([seq, item]) => ({ seq, item }));
  }

  get size(): number {
    return this.items.size;
  }

  /** The oldest unacknowledged item: the next to deliver. */
  first(): Journaled<T> | undefined {
    for (const [seq, item] of this.items) return { seq, item };
    return undefined;
  }

  append(item: T): Journaled<T> {
    const entry = { seq: this.nextSeq++, item };
    this.items.set(entry.seq, item);
    this.unwritten.push(entry);
    this.writeUnwritten();
    return entry;
  }

  /** Everything up to `seq` is delivered (or dropped on purpose). */
  ack(seq: number): void {
    for (const key of this.items.keys()) {
      if (key > seq) break;
      this.items.delete(key);
    }
    this.unwritten = this.unwritten.filter((e) => e.seq > seq);
    if (!this.items.size) {
      this.remove();
      return;
    }
    this.writeUnwritten();
    if (this.unwritten.length) return;
    if (++this.acksSinceCompaction >= COMPACT_AFTER_ACKS) this.compact();
    else this.write(`${JSON.stringify({ ack: seq })}\n`, false);
  }

  private read(): void {
    const lines = readFileSync(this.file, 'utf8').split('\n');
    let acked = 0;
    for (const [index, line] of lines.entries()) {
      if (!line.trim()) continue;
      let parsed: { seq?: number; item?: T; ack?: number };
      try {
        parsed = JSON.parse(line);
      } catch {
        this.log.warn({ file: this.file, line: index + 1 }, 'outbox journal: torn line skipped (a crash mid-write)');
        continue;
      }
      if (typeof parsed.ack === 'number') acked = Math.max(acked, parsed.ack);
      else if (typeof parsed.seq === 'number') {
        this.items.set(parsed.seq, parsed.item as T);
        this.nextSeq = Math.max(this.nextSeq, parsed.seq + 1);
      }
    }
    for (const key of this.items.keys()) if (key <= acked) this.items.delete(key);
    // Whatever was read goes into a fresh file: a torn tail must not sit in front of the next line.
    this.compact();
  }

  private writeUnwritten(): void {
    while (this.unwritten.length) {
      const entry = this.unwritten[0] as Journaled<T>;
      if (!this.write(`${JSON.stringify(entry)}\n`, true)) return;
      this.unwritten.shift();
    }
  }

  /** Appends one line; false (logged once per outage) if the disk refused it. */
  private write(line: string, sync: boolean): boolean {
    try {
      if (this.fd === null) {
        this.fd = openSync(this.file, 'a');
        this.fileBytes = fstatSync(this.fd).size;
        fsyncDir(dirname(this.file));
      }
      const bytes = Buffer.from(line);
      try {
        writeSync(this.fd, bytes);
        if (sync) fsyncSync(this.fd);
      } catch (error) {
        ftruncateSync(this.fd, this.fileBytes); // no half line left in front of the next one
        throw error;
      }
      this.fileBytes += bytes.length;
      if (this.diskError) {
        this.log.info({ file: this.file, was: this.diskError }, 'outbox journal writable again');
        this.diskError = null;
      }
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (this.diskError !== code) {
        this.log.error(
          { file: this.file, code },
          'outbox journal cannot be written; items are kept in memory and still delivered, and written once the disk has room',
        );
        this.diskError = code;
      }
      return false;
    }
  }

  private compact(): void {
    this.acksSinceCompaction = 0;
    const pending = this.pending();
    if (!pending.length) {
      this.remove();
      return;
    }
    const tmp = `${this.file}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, pending.map((e) => `${JSON.stringify(e)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.closeFd();
      renameSync(tmp, this.file);
      fsyncDir(dirname(this.file));
      this.unwritten = [];
    } catch (error) {
      rmSync(tmp, { force: true });
      this.log.warn({ file: basename(this.file), err: (error as Error).message }, 'outbox journal not compacted');
    }
  }

  private remove(): void {
    this.closeFd();
    this.unwritten = [];
    try {
      rmSync(this.file, { force: true });
      fsyncDir(dirname(this.file));
    } catch (error) {
      this.log.warn({ file: this.file, err: (error as Error).message }, 'outbox journal not removed');
    }
  }

  private closeFd(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
