import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3StoreSettings } from '@reslab/contracts';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/paths.js';
import { startProcess, waitFor } from '../../../test/support/processes.js';
import {
  type S3Server,
  type SlowLink,
  sha256Hex,
  startS3Server,
  startSlowLink,
} from '../../../test/support/s3-server.js';
import { S3ArtifactStore } from '../src/s3-artifacts.js';

/**
 * The worker's S3 store (src/s3-artifacts.ts) against moto's S3 server, with checkpoint files larger than a part:
 * what a multipart upload leaves when its worker dies in the middle, and how downloads are checked. The e2e test
 * (test/e2e/s3-artifacts.test.ts) runs the whole platform on the same store with the real engine.
 */

const RUN = '11111111-1111-4111-8111-111111111111';
const WRITER = { workerId: '00000000-0000-4000-8000-000000000000', attempt: 1 };
const MiB = 1024 * 1024;

/** A pino logger whose lines the test reads. */
function capturedLog() {
  const lines: { msg: string; path?: string; problem?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** A checkpoint as the engine leaves it: random bytes, 12 MiB of weights (two parts) and 6 MiB of state. */
function writeCheckpoint(dir: string): { model: Buffer; state: Buffer } {
  mkdirSync(dir, { recursive: true });
  const files = { model: randomBytes(12 * MiB), state: randomBytes(6 * MiB) };
  writeFileSync(join(dir, 'model.safetensors'), files.model);
  writeFileSync(join(dir, 'state.pt'), files.state);
  return files;
}

describe('the worker S3 store against moto', () => {
  let s3: S3Server;
  let link: SlowLink;
  let root: string;
  let store: S3ArtifactStore;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server();
    link = await startSlowLink(s3.endpoint);
    Object.assign(process.env, s3.env({ prefix: 'unit' }));
    root = mkdtempSync(join(tmpdir(), 'reslab-s3-store-'));
    store = new S3ArtifactStore(s3StoreSettings(process.env) ?? expect.fail('no settings'), root);
  }, 60_000);

  afterAll(async () => {
    for (const name of Object.keys(s3?.env() ?? {})) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await link?.close();
    await s3?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const attempt1 = () => join(root, 'runs', RUN, 'attempt-1');
  const key = (attempt: number, name: string) => `unit/runs/${RUN}/attempt-${attempt}/${name}`;

  it('publishes both files with their SHA-256, leaving only them in the bucket; a later attempt downloads them verified', async () => {
    const files = writeCheckpoint(attempt1());
    const { log } = capturedLog();
    const requests = await store.publish(store.snapshot(attempt1()), WRITER, log);
    expect(requests).toEqual([
      {
        ...WRITER,
        kind: 'weights',
        path: `runs/${RUN}/attempt-1/model.safetensors`,
        sizeBytes: 12 * MiB,
        sha256: sha256Hex(files.model),
      },
      {
        ...WRITER,
        kind: 'checkpoint',
        path: `runs/${RUN}/attempt-1/state.pt`,
        sizeBytes: 6 * MiB,
        sha256: sha256Hex(files.state),
      },
    ]);
    expect((await s3.list(`unit/runs/${RUN}/`)).map((o) => o.key)).toEqual([
      key(1, 'model.safetensors'),
      key(1, 'state.pt'),
    ]);
    expect((await s3.read(key(1, 'model.safetensors'))).sha256).toBe(sha256Hex(files.model));
    expect(await s3.incompleteUploads('unit/')).toEqual([]);

    const attempt2 = join(root, 'runs', RUN, 'attempt-2');
    const dirs = await store.resumeDirs(RUN, 2, attempt2, log);
    expect(dirs).toEqual([join(attempt2, 'resume', 'attempt-1')]);
    expect(readFileSync(join(dirs[0] as string, 'model.safetensors')).equals(files.model)).toBe(true);
    expect(readFileSync(join(dirs[0] as string, 'state.pt')).equals(files.state)).toBe(true);
  }, 60_000);

  it('skips, and says why, a folder whose object does not match the SHA-256 the store keeps for it', async () => {
    const good = randomBytes(1000);
    // moto stores the checksum a client sends without checking it: an object damaged after it was written.
    for (const [name, checksum] of [
      ['model.safetensors', sha256Hex(randomBytes(8))],
      ['state.pt', sha256Hex(good)],
    ] as const) {
      await s3.client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: key(5, name),
          Body: good,
          ChecksumSHA256: Buffer.from(checksum, 'hex').toString('base64'),
        }),
      );
    }
    const { log, lines } = capturedLog();
    const attempt6 = join(root, 'runs', RUN, 'attempt-6');
    const dirs = await store.resumeDirs(RUN, 6, attempt6, log);
    expect(dirs).toEqual([join(attempt6, 'resume', 'attempt-1')]);
    const skipped = lines.find((l) => l.path === `runs/${RUN}/attempt-5/model.safetensors`);
    expect(skipped?.msg).toMatch(/failed its check; that folder is skipped/);
    expect(skipped?.problem).toMatch(/checksum|SHA-256/i);
  }, 60_000);

  it('killed -9 in the middle of a multipart upload, a worker leaves the previous checkpoint and an incomplete upload no GET or LIST shows', async () => {
    const before = {
      model: sha256Hex((await s3.read(key(1, 'model.safetensors'))).bytes),
      state: sha256Hex((await s3.read(key(1, 'state.pt'))).bytes),
    };
    writeCheckpoint(attempt1());
    link.throttle(2 * MiB);
    const sentBefore = link.sent;
    const child = startProcess(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [join(REPO_ROOT, 'apps', 'worker', 'test', 's3-publish-child.ts'), root, attempt1()],
      s3.env({ endpoint: link.url, prefix: 'unit' }),
    );
    try {
      await waitFor('a part of the weights on the slow link', async () =>
        link.sent - sentBefore > 3 * MiB ? true : undefined,
      );
      expect(child.output()).not.toContain('publish finished');
      child.child.kill('SIGKILL');
      await child.exited;
    } finally {
      link.throttle(null);
    }
    // The upload that was cut is there, incomplete: its parts cost storage until a lifecycle rule removes them.
    expect(await s3.incompleteUploads('unit/')).toEqual([key(1, 'incoming/model.safetensors')]);
    // Nothing of it can be read: the attempt's keys still hold the previous checkpoint, whole.
    expect((await s3.list(`unit/runs/${RUN}/attempt-1/`)).map((o) => o.key)).toEqual([
      key(1, 'model.safetensors'),
      key(1, 'state.pt'),
    ]);
    expect(sha256Hex((await s3.read(key(1, 'model.safetensors'))).bytes)).toBe(before.model);
    expect(sha256Hex((await s3.read(key(1, 'state.pt'))).bytes)).toBe(before.state);
  }, 60_000);
});
