import { describe, expect, it } from 'vitest';
import { CheckpointUploads } from '../src/checkpoint-uploads.js';

/** A publish the test finishes by hand, so it can offer checkpoints while one is in flight. */
function manualPublisher() {
  const started: number[] = [];
  const finishers: (() => void)[] = [];
  const publish = (checkpoint: number) =>
    new Promise<void>((resolve) => {
      started.push(checkpoint);
      finishers.push(resolve);
    });
  const finishNext = async () => {
    finishers.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { started, publish, finishNext };
}

describe('CheckpointUploads', () => {
  it('publishes one checkpoint at a time, and a newer one waiting replaces an older one, which is dropped', async () => {
    const { started, publish, finishNext } = manualPublisher();
    const dropped: number[] = [];
    const uploads = new CheckpointUploads(publish, (c) => dropped.push(c));
    uploads.offer(1);
    uploads.offer(2);
    uploads.offer(3);
    uploads.offer(4);
    expect(started).toEqual([1]);
    expect(dropped).toEqual([2, 3]);
    let idle = false;
    void uploads.idle().then(() => {
      idle = true;
    });
    await finishNext();
    expect(started).toEqual([1, 4]);
    expect(idle).toBe(false);
    await finishNext();
    await uploads.idle();
    expect(idle).toBe(true);
    expect(dropped).toEqual([2, 3]);
  });

  it('goes on after a publish that fails, and is idle at once when nothing was offered', async () => {
    const published: number[] = [];
    const uploads = new CheckpointUploads(async (c: number) => {
      if (c === 1) throw new Error('S3 unreachable');
      published.push(c);
    });
    await uploads.idle();
    uploads.offer(1);
    await uploads.idle();
    uploads.offer(2);
    await uploads.idle();
    expect(published).toEqual([2]);
  });
});
