import type { WorkerDto } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { applyWorkers, STALE_AFTER_SECONDS, workerHealth, workersSummary } from '../lib/stream-fold.js';

const now = Date.parse('2026-11-29T20:00:00Z');
const worker = (name: string, secondsAgo: number, extra: Partial<WorkerDto> = {}): WorkerDto =>
  ({
    id: `${name}-id`,
    name,
    slots: 2,
    draining: false,
    runningRunIds: [],
    lastHeartbeatAt: new Date(now - secondsAgo * 1000).toISOString(),
    ...extra,
  }) as WorkerDto;

describe('the workers page fold', () => {
  it('replaces the list with each message, by name, so a removed worker disappears', () => {
    const first = applyWorkers([worker('b', 1), worker('a', 1)]);
    expect(first.map((w) => w.name)).toEqual(['a', 'b']);
    expect(applyWorkers([worker('b', 0)]).map((w) => w.name)).toEqual(['b']);
  });

  it('tells ok, draining and stale apart at the stale threshold, and counts busy slots', () => {
    const list = [
      worker('ok', STALE_AFTER_SECONDS, { runningRunIds: ['r1'] }),
      worker('drain', 5, { draining: true, runningRunIds: ['r2', 'r3'] }),
      worker('gone', STALE_AFTER_SECONDS + 1),
    ];
    expect(list.map((w) => workerHealth(w, now))).toEqual(['ok', 'draining', 'stale']);
    expect(workersSummary(list, now)).toEqual({ health: { ok: 1, draining: 1, stale: 1 }, slots: 6, busy: 3 });
    expect(workersSummary(list, null).health).toBeNull();
  });
});
