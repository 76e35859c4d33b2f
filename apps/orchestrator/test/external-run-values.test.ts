import { PARAM_VALUE_MAX } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { configParams, paramConflict, toMetricValue } from '../src/external-runs/logged-values.js';

describe("an external run's config as params", () => {
  it('stores each leaf under its dotted path, strings as they are and the rest as JSON', () => {
    expect(
      configParams({
        optimizer: { name: 'sgd', lr: 0.1, nesterov: true, betas: [0.9, 0.999] },
        epochs: 30,
        scheduler: null,
        notes: {},
      }),
    ).toEqual({
      'optimizer.name': 'sgd',
      'optimizer.lr': '0.1',
      'optimizer.nesterov': 'true',
      'optimizer.betas': '[0.9,0.999]',
      epochs: '30',
      scheduler: 'null',
      notes: '{}',
    });
  });

  it('leaves out a leaf MLflow would refuse, and keeps the others', () => {
    const params = configParams({
      'bad key!': 1,
      long: 'x'.repeat(PARAM_VALUE_MAX + 1),
      [`${'k'.repeat(251)}`]: 2,
      ok: 3,
    });
    expect(params).toEqual({ ok: '3' });
  });
});

describe('metric values read back from float8 text', () => {
  it('keeps NaN and the infinities as the strings MLflow writes, and every other value exactly', () => {
    expect(
      ['NaN', 'Infinity', '-Infinity', '0.1', '-0', '1e-300', '1.7976931348623157e+308'].map(toMetricValue),
    ).toEqual(['NaN', 'Infinity', '-Infinity', 0.1, -0, 1e-300, Number.MAX_VALUE]);
  });
});

describe('a param logged again with another value', () => {
  it('is a 400 naming params.<key> and quoting what is stored; new and equal ones are not', () => {
    expect(paramConflict([{ key: 'lr', value: '0.1', conflict: false }])).toBeNull();
    const refusal = paramConflict([
      { key: 'batch', value: '128', conflict: false },
      { key: 'lr', value: '0.1', conflict: true },
    ]) as unknown as { getStatus(): number; getResponse(): { issues: { path: string; message: string }[] } };
    expect(refusal.getStatus()).toBe(400);
    expect(refusal.getResponse().issues[0]?.path).toBe('params.lr');
    expect(refusal.getResponse().issues[0]?.message).toContain("already logged as '0.1'");
  });
});
