/**
 * The checkpoints of one attempt, published one at a time, newest first. While one is published (uploaded to S3,
 * or hashed in the shared folder), a newer one waits; a still newer one replaces the one waiting, which is dropped
 * unpublished: only the newest checkpoint matters to a resume, and an upload slower than an epoch must not queue
 * up a backlog of stale ones. A publish that fails is the caller's to report; the next checkpoint is tried anyway.
 */
export class CheckpointUploads<T> {
  private inFlight: Promise<void> | null = null;
  private waiting: T | null = null;
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly publish: (checkpoint: T) => Promise<void>,
    /** A checkpoint replaced before its turn (e.g. a snapshot folder to remove). */
    private readonly drop: (checkpoint: T) => void = () => {},
  ) {}

  offer(checkpoint: T): void {
    if (this.waiting !== null) this.drop(this.waiting);
    this.waiting = checkpoint;
    if (!this.inFlight) this.settled = this.pump();
  }

  /** Resolves once nothing is published or waiting: the last checkpoint offered so far is published (or failed). */
  idle(): Promise<void> {
    return this.settled;
  }

  private async pump(): Promise<void> {
    while (this.waiting !== null) {
      const next = this.waiting;
      this.waiting = null;
      this.inFlight = this.publish(next).catch(() => {});
      await this.inFlight;
    }
    this.inFlight = null;
  }
}
