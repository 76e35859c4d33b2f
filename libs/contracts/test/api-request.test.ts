import { describe, expect, it } from 'vitest';
import { ApiRequestError, backoffMs, OutageNotices, outageState, retryTransient } from '../src/index.js';

describe('backoffMs', () => {
  it('doubles from about 0.5 s and stays within 25% jitter of a 15 s cap', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const nominal = Math.min(15_000, 500 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const ms = backoffMs(attempt);
        expect(ms).toBeGreaterThanOrEqual(nominal * 0.75);
        expect(ms).toBeLessThanOrEqual(nominal * 1.25);
      }
    }
  });
});

describe('OutageNotices', () => {
  it('says each change of state once, and recovery once', () => {
    const lines: string[] = [];
    const notices = new OutageNotices((line) => lines.push(line));
    notices.recovered();
    notices.failed(outageState(null), 4_200);
    notices.failed(outageState(null), 8_000);
    notices.failed(outageState(503), 1_000);
    notices.failed(outageState(503), 2_000);
    expect(notices.failing).toBe(true);
    notices.recovered();
    notices.recovered();
    expect(lines).toEqual([
      'orchestrator unreachable, retrying in 4 s',
      'database unavailable, retrying in 1 s',
      'orchestrator reachable again',
    ]);
  });
});

describe('retryTransient', () => {
  it('retries unreachable and 5xx until the attempt succeeds', async () => {
    const failures = [new ApiRequestError('down', null), new ApiRequestError('no database', 503)];
    const retried: (number | null)[] = [];
    const result = await retryTransient(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'answer';
      },
      { tries: Number.POSITIVE_INFINITY, onRetry: (error) => retried.push(error.status) },
    );
    expect(result).toBe('answer');
    expect(retried).toEqual([null, 503]);
  });

  it('throws a 4xx at once: the request itself is wrong', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new ApiRequestError('run not found', 404);
    };
    await expect(retryTransient(attempt, { tries: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(1);
  });
});
