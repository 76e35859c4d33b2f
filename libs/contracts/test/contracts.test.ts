import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_DIR, renderJsonSchemas } from '../src/export-json-schema.js';
import { CreateRunRequest, EngineEvent, fieldIssues, PROTOCOL_VERSION, RunConfig } from '../src/index.js';

describe('exported JSON Schema', () => {
  it('is committed up to date, so the Python engine validates against the same shapes', () => {
    for (const [file, text] of renderJsonSchemas()) {
      const committed = readFileSync(join(JSON_SCHEMA_DIR, file), 'utf8');
      expect(committed, `${file} is stale: run npm run export-json-schema -w @reslab/contracts`).toBe(text);
    }
  });
});

describe('RunConfig', () => {
  it('fills defaults and carries the protocol version', () => {
    const config = RunConfig.parse({
      model: { arch: 'resnet', depth: 20 },
      data: { dataset: 'fashion-mnist' },
      epochs: 2,
    });
    expect(config.version).toBe(PROTOCOL_VERSION);
    expect(config.optim).toMatchObject({ lr: 0.1, momentum: 0.9, batchSize: 128 });
    expect(config.data.valSize).toBe(5000);
  });

  it('names every bad field by its dotted path', () => {
    const result = CreateRunRequest.safeParse({
      config: { model: { arch: 'vgg', depth: 20 }, data: { dataset: 'fashion-mnist', extra: 1 }, epochs: 0 },
    });
    if (result.success) throw new Error('an invalid request was accepted');
    const paths = fieldIssues(result.error).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['config.model.arch', 'config.data', 'config.epochs']));
  });
});

describe('EngineEvent', () => {
  const base = { v: 1, time: '2026-11-29T07:00:00.000+00:00' };
  const metric = {
    ...base,
    type: 'epoch_metric',
    epoch: 1,
    split: 'val',
    loss: 0.5,
    accuracy: 0.8,
    precision: 0.8,
    recall: 0.79,
    f1: 0.79,
    perClass: [{ precision: 0.8, recall: 0.79, f1: 0.79, support: 10 }],
    lr: 0.1,
    seconds: 1.5,
  };

  it('accepts a well-formed epoch metric', () => {
    expect(EngineEvent.parse(metric)).toMatchObject({ type: 'epoch_metric', split: 'val' });
  });

  it('rejects another protocol version, an unknown type and an out-of-range ratio', () => {
    expect(EngineEvent.safeParse({ ...metric, v: 2 }).success).toBe(false);
    expect(EngineEvent.safeParse({ ...base, type: 'telemetry' }).success).toBe(false);
    expect(EngineEvent.safeParse({ ...metric, accuracy: 1.2 }).success).toBe(false);
  });
});
