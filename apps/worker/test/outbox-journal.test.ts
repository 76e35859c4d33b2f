import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILURE_REASON_MAX } from '@reslab/contracts';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { truncateReason } from '../src/engine-run.js';
import { findJournals, journalPath, OutboxJournal } from '../src/outbox-journal.js';

const RUN = '3f1e4a52-9c1b-4d2e-8f00-000000000001';
const silent = pino({ level: 'silent' });

describe('the outbox journal (real files)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'reslab-journal-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('gives back, after a restart, exactly the items that were never acknowledged', () => {
    const dir = scratch();
    const file = journalPath(dir, RUN, 2);
    const first = new OutboxJournal<string>(file, silent);
    for (const item of ['a', 'b', 'c', 'd']) first.append(item);
    first.ack(2);
    // A new process reads the same file: what the dead one had not delivered, in order, seq numbers kept.
    const again = new OutboxJournal<string>(file, silent);
    expect(again.pending()).toEqual([
      { seq: 3, item: 'c' },
      { seq: 4, item: 'd' },
    ]);
    expect(again.append('e').seq).toBe(5);
    expect(findJournals(dir)).toEqual([{ runId: RUN, attempt: 2, file }]);
  });

  it('skips a torn last line (a crash mid-write) and keeps the rest', () => {
    const dir = scratch();
    const file = journalPath(dir, RUN, 1);
    const journal = new OutboxJournal<string>(file, silent);
    journal.append('kept');
    appendFileSync(file, '{"seq":2,"item":"to');
    expect(new OutboxJournal<string>(file, silent).pending()).toEqual([{ seq: 1, item: 'kept' }]);
  });

  it('removes the file once everything is delivered, and compacts a long one', () => {
    const dir = scratch();
    const file = journalPath(dir, RUN, 1);
    const journal = new OutboxJournal<number>(file, silent);
    for (let i = 1; i <= 600; i++) journal.append(i);
    for (let seq = 1; seq <= 599; seq++) journal.ack(seq);
    // 599 acknowledgements, but the file was rewritten with only what is pending every 256 of them.
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThan(260);
    expect(new OutboxJournal<number>(file, silent).pending()).toEqual([{ seq: 600, item: 600 }]);
    journal.ack(600);
    expect(existsSync(file)).toBe(false);
  });
});

describe('failure reasons', () => {
  it('are cut to what the finish contract takes, and say so', () => {
    const long = truncateReason('x'.repeat(FAILURE_REASON_MAX + 5000));
    expect(long).toHaveLength(FAILURE_REASON_MAX);
    expect(long.endsWith('(truncated)')).toBe(true);
    expect(truncateReason('diverged at epoch 3')).toBe('diverged at epoch 3');
  });
});
