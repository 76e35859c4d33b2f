import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../support/secret-scan.js';

describe('the secret scan of make test finds a planted leak', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reslab-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the kind, file and line of a secret in a log, and stays quiet when none is there', () => {
    writeFileSync(
      join(dir, 'secrets.jsonl'),
      `${JSON.stringify({ kind: 'apiKey', value: 'rsk_planted-secret-123' })}\n`,
    );
    writeFileSync(
      join(dir, 'orchestrator.1.log'),
      '{"msg":"listening"}\n{"msg":"auth","key":"rsk_planted-secret-123"}\n',
    );
    writeFileSync(join(dir, 'worker.2.log'), '{"msg":"rsk_planted… (prefix only)"}\n');
    expect(findLeaks(dir).leaks).toEqual([{ kind: 'apiKey', file: 'orchestrator.1.log', line: 2 }]);
    writeFileSync(join(dir, 'orchestrator.1.log'), '{"msg":"listening"}\n');
    expect(findLeaks(dir)).toEqual({ secrets: 1, files: 2, leaks: [] });
  });
});
