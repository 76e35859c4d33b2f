import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AnalysisDetailDto, ArtifactDto, EpochMetricDto, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFashionMnist } from '../support/datasets.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import {
  analysisWhen,
  ENGINE_ENV,
  expectedKeys,
  FINISHED,
  metricKeys,
  metricsOf,
  runWhen,
  tinyConfig,
} from '../support/runs.js';
import { type S3Server, type SlowLink, sha256Hex, startS3Server, startSlowLink } from '../support/s3-server.js';
import { api, callApi, type Stack, startStack } from '../support/stack.js';

/** (epoch, step) a checkpoint's weights were saved at: the safetensors header's metadata (libs/engine checkpoint.py). */
function savedAt(weights: Buffer): { epoch: number; step: number } {
  const length = Number(weights.readBigUInt64LE(0));
  const header = JSON.parse(weights.subarray(8, 8 + length).toString('utf8')) as {
    __metadata__: { epoch: string; step: string };
  };
  return { epoch: Number(header.__metadata__.epoch), step: Number(header.__metadata__.step) };
}

/** What a resumed run must reproduce exactly; wall-clock seconds may differ. */
function outcome(metrics: EpochMetricDto[]) {
  return metrics
    .map(({ seconds: _s, runId: _r, ...rest }) => rest)
    .sort((a, b) => a.epoch - b.epoch || a.split.localeCompare(b.split));
}

const artifactsOf = async (stack: Stack, runId: string) =>
  (await api<ArtifactDto[]>(stack, 'GET', `/runs/${runId}/artifacts`)).body;

describe('artifacts in S3 (moto), with no folder shared between the orchestrator and the workers', () => {
  let s3: S3Server;
  let link: SlowLink;
  let stack: Stack;
  const epochs = 4;
  const config = tinyConfig({
    epochs,
    seed: 3,
    data: { dataset: 'fashion-mnist', valSize: 200, trainSubset: 600, testSubset: 200 },
  });
  let reference: RunDto;

  /** A worker with folders of its own: its work dir, and an artifact dir no other process uses. */
  const startWorker = (name: string, endpoint?: string): Promise<ManagedProcess> =>
    stack.startWorker(name, {
      env: {
        ...ENGINE_ENV,
        ...s3.env({ endpoint, prefix: 'lab' }),
        RESLAB_ARTIFACT_DIR: join(stack.workDir, `${name}-own-artifacts`),
      },
    });

  beforeAll(async () => {
    requireFashionMnist();
    s3 = await startS3Server();
    link = await startSlowLink(s3.endpoint);
    // The orchestrator inherits the test's environment (startProcess): the store's settings reach it only.
    const saved = { ...process.env };
    Object.assign(process.env, s3.env({ prefix: 'lab' }));
    try {
      stack = await startStack('reslab_s3_artifacts', { leaseSeconds: 3 });
    } finally {
      for (const name of Object.keys(s3.env())) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await link?.close();
    await s3?.stop();
  });

  it('uploads each checkpoint to the bucket, registers what it uploaded, and serves the exact bytes through the API', async () => {
    const worker = await startWorker('s3-a');
    const run = (await api<RunDto>(stack, 'POST', '/runs', { name: 'uninterrupted', config })).body;
    reference = await runWhen(stack, run.id, (r) => FINISHED.includes(r.status), 90_000);
    expect(reference.status, `${reference.failureReason}\n${reference.stderrTail}`).toBe('succeeded');

    const rows = await artifactsOf(stack, run.id);
    expect(rows.map((a) => `${a.kind} ${a.path}`)).toEqual([
      `weights runs/${run.id}/attempt-1/model.safetensors`,
      `checkpoint runs/${run.id}/attempt-1/state.pt`,
    ]);
    // The staging keys are gone once both files are in place: the bucket holds exactly the registered files.
    const objects = await s3.list(`lab/runs/${run.id}/`);
    expect(objects.map((o) => o.key)).toEqual(rows.map((a) => `lab/${a.path}`).sort());
    for (const row of rows) {
      const stored = await s3.read(`lab/${row.path}`);
      expect(stored.bytes.length, row.path).toBe(row.sizeBytes);
      expect(sha256Hex(stored.bytes), row.path).toBe(row.sha256);
      expect(stored.sha256, `${row.path}: the store's own full-object SHA-256`).toBe(row.sha256);
      const download = await fetch(`${stack.apiUrl}/artifacts/${row.id}/download`, {
        headers: { authorization: `Bearer ${stack.admin.apiKey}` },
      });
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(stored.bytes), `${row.path} downloaded`).toBe(true);
    }
    expect(savedAt((await s3.read(`lab/${rows[0]?.path}`)).bytes)).toEqual({ epoch: epochs, step: 0 });
    // Nothing reached a shared folder: the orchestrator's is empty, the worker let go of its local copy.
    expect(existsSync(join(stack.workDir, 'artifacts', 'runs', run.id))).toBe(false);
    expect(existsSync(join(stack.workDir, 's3-a', 'artifacts', 'runs', run.id, 'attempt-1'))).toBe(false);

    // An analysis job on any worker reads the analysed run's checkpoint from the bucket, verified, the same way.
    const lesion = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${run.id}/analyses`, {
      kind: 'lesion',
      params: { evalImages: 200 },
    });
    expect(lesion.status, JSON.stringify(lesion.body)).toBe(201);
    const analysed = await analysisWhen(stack, lesion.body.id);
    expect(analysed.status, JSON.stringify(analysed.jobs)).toBe('succeeded');
    expect(worker.output()).toMatch(
      new RegExp(`"folder":"runs/${run.id}/attempt-1".*checkpoint downloaded and verified`),
    );

    // A file rewritten in the store after it was registered is refused, not served as the registered one.
    const weights = rows[0] as ArtifactDto;
    const original = (await s3.read(`lab/${weights.path}`)).bytes;
    const tampered = Buffer.from(original);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0xff;
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `lab/${weights.path}`,
        Body: tampered,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const refused = await callApi(stack, 'GET', `/artifacts/${weights.id}/download`, { token: stack.admin.apiKey });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(weights.sha256);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `lab/${weights.path}`,
        Body: original,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }, 120_000);

  it('resumes a drained run on a worker with empty folders, and after a kill -9 mid-upload from the last complete checkpoint, exactly', async () => {
    const run = (await api<RunDto>(stack, 'POST', '/runs', { name: 'interrupted', config })).body;
    const first = await runWhen(stack, run.id, (r) => r.status === 'running');
    const a = stack.workers.find((w) => w.child.exitCode === null) as ManagedProcess;
    expect(first.attempt).toBe(1);

    // 1. Drain the worker after its first checkpoint is registered: its engine checkpoints mid-epoch, and the
    // worker reports only once that checkpoint is uploaded.
    await waitFor('the first checkpoint in the bucket', async () =>
      (await artifactsOf(stack, run.id)).length === 2 ? true : undefined,
    );
    await a.stop('SIGTERM');
    const drained = await artifactsOf(stack, run.id);
    const drainedAt = savedAt((await s3.read(`lab/runs/${run.id}/attempt-1/model.safetensors`)).bytes);
    expect(drained.every((r) => r.path.includes('/attempt-1/'))).toBe(true);

    // 2. A worker that reaches the bucket through a link slowed for what it sends resumes it from there. Slowed from
    // the start, so that while its first checkpoint crawls to the bucket the engine saves later ones: one of those
    // is surely in flight once the first is registered (throttled only after it, the last checkpoint could already
    // have been the registered one, with nothing left to upload: a wait that timed out once in about ten runs).
    link.throttle(48 * 1024);
    const b = await startWorker('s3-b', link.url);
    await runWhen(stack, run.id, (r) => r.status === 'running' && r.attempt === 2);
    await waitFor('the second attempt to register a checkpoint', async () =>
      (await artifactsOf(stack, run.id)).some((r) => r.path.includes('/attempt-2/')) ? true : undefined,
    );
    // Its next checkpoint crawls to the bucket; the worker dies with it in flight.
    const before = link.sent;
    await waitFor('an upload under way on the slow link', async () => (link.sent - before > 40_000 ? true : undefined));
    b.child.kill('SIGKILL');
    await b.exited;
    const registered = await artifactsOf(stack, run.id);
    const latest = registered.filter((r) => r.path.includes('/attempt-2/'));
    expect(latest).toHaveLength(2);

    // No partial object is visible: the attempt's keys hold the registered pair, and anything staged is whole.
    for (const row of registered) {
      const stored = await s3.read(`lab/${row.path}`);
      expect(sha256Hex(stored.bytes), `${row.path} is the registered file`).toBe(row.sha256);
    }
    for (const { key } of await s3.list(`lab/runs/${run.id}/`)) {
      const stored = await s3.read(key);
      expect(key.includes('/incoming/') || registered.some((r) => `lab/${r.path}` === key), key).toBe(true);
      if (stored.sha256 !== null) expect(sha256Hex(stored.bytes), `${key} is whole`).toBe(stored.sha256);
    }
    const lastComplete = savedAt((await s3.read(`lab/runs/${run.id}/attempt-2/model.safetensors`)).bytes);
    expect(lastComplete.epoch * 1e6 + lastComplete.step, 'the second attempt got past the drained one').toBeGreaterThan(
      drainedAt.epoch * 1e6 + drainedAt.step,
    );

    // Folders whose two files come from two different saves (as a kill between the two copies leaves): each file
    // passes its checksum, and the engine must refuse both pairs rather than mix epochs. Either folder is further
    // than attempt-2 by one of its files (the final weights of the reference in attempt-8, its final state in
    // attempt-9), so a resume that trusted either file alone would not start from attempt-2.
    const read = async (runId: string, name: string) => (await s3.read(`lab/runs/${runId}/attempt-1/${name}`)).bytes;
    const torn = {
      'attempt-8': {
        'model.safetensors': await read(reference.id, 'model.safetensors'),
        'state.pt': await read(run.id, 'state.pt'),
      },
      'attempt-9': {
        'model.safetensors': await read(run.id, 'model.safetensors'),
        'state.pt': await read(reference.id, 'state.pt'),
      },
    };
    for (const [folder, files] of Object.entries(torn)) {
      for (const [name, body] of Object.entries(files)) {
        await s3.client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: `lab/runs/${run.id}/${folder}/${name}`,
            Body: body,
            ChecksumAlgorithm: 'SHA256',
          }),
        );
      }
    }

    // 3. The lease runs out; a third worker, with empty folders of its own, finishes the run.
    const c = await startWorker('s3-c');
    const done = await runWhen(stack, run.id, (r) => FINISHED.includes(r.status), 90_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 3 });
    expect(done.stderrTail ?? '').toMatch(
      new RegExp(`resuming \\S+/resume/attempt-2 after epoch ${lastComplete.epoch}, step ${lastComplete.step}\\b`),
    );
    for (const folder of Object.keys(torn)) {
      expect(c.output(), `${folder} reached the engine`).toMatch(
        new RegExp(`"folder":"runs/${run.id}/${folder}".*checkpoint downloaded and verified`),
      );
    }

    const [resumed, uninterrupted] = [await metricsOf(stack, run.id), await metricsOf(stack, reference.id)];
    expect(metricKeys(resumed)).toEqual(expectedKeys(epochs));
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
  }, 150_000);
});
