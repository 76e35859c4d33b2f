import { describe, expect, it } from 'vitest';
import { analysisStatus, type RunStatus } from '../src/index.js';

const jobs = (...statuses: RunStatus[]) => statuses.map((status, chunk) => ({ status, chunk }));

describe('an analysis status from its chunks', () => {
  it.each([
    [['succeeded', 'succeeded'], 'succeeded'],
    [['queued', 'queued'], 'queued'],
    [['succeeded', 'queued'], 'running'],
    [['running', 'failed'], 'running'],
    [['failed', 'succeeded'], 'failed'],
    [['cancelled', 'failed'], 'failed'],
    [['cancelled', 'succeeded'], 'cancelled'],
    [['queued', 'cancelled'], 'queued'],
  ] as [RunStatus[], RunStatus][])('%j is %s', (statuses, expected) => {
    expect(analysisStatus(jobs(...statuses))).toBe(expected);
  });
});
