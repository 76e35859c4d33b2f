import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunAssignment, WorkerDto } from '@reslab/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/paths.js';
import { type ManagedProcess, startProcess, waitFor } from '../../../test/support/processes.js';

/**
 * The built worker process (apps/worker/dist) against a FAKE orchestrator: a few lines of node:http that play
 * the enrolment and worker routes of the identity API (/tmp/identity-spec.md, libs/contracts identity.ts), so the
 * worker's side is tested while the real orchestrator is elsewhere; test/e2e runs the two together. Where an
 * engine is needed it is a FAKE one too, which records its environment and waits for SIGTERM.
 */

const WORKER_MAIN = join(REPO_ROOT, 'apps', 'worker', 'dist', 'main.js');
const TOKEN = `rse_${'T'.repeat(43)}`;
const SECRET = `rsw_${'S'.repeat(43)}`;
const REFUSED_LINE = 'worker credential refused: revoked or unknown; enrol again';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

class FakeOrchestrator {
  readonly seen: Seen[] = [];
  readonly workerId = randomUUID();
  revoked = false;
  /** Handed out by the first claim. */
  assignment: RunAssignment | null = null;
  private server: Server | null = null;
  url = '';

  workerDto(name: string) {
    return WorkerDto.parse({
      id: this.workerId,
      name,
      teamId: null,
      host: 'test-host',
      slots: 1,
      gpus: [],
      lastHeartbeatAt: new Date().toISOString(),
      revokedAt: null,
      draining: false,
      runningRunIds: [],
      deadLetters: { count: 0, recent: [] },
    });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : null;
    const path = req.url ?? '';
    this.seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    if (path === '/workers/enrol') {
      if (body.enrolmentToken !== TOKEN) return send(401, { statusCode: 401, message: 'enrolment token refused' });
      return send(201, { worker: this.workerDto(body.name), secret: SECRET });
    }
    if (this.revoked || req.headers.authorization !== `Bearer ${SECRET}`) {
      return send(401, { statusCode: 401, message: 'credential refused' });
    }
    if (path === '/workers') return send(201, this.workerDto(body.name));
    if (path.endsWith('/heartbeat')) return send(200, { worker: this.workerDto('w'), stop: [] });
    if (path.endsWith('/claim')) {
      const assignment = this.assignment;
      this.assignment = null;
      return send(200, { assignment });
    }
    return send(204);
  }
}

/** A FAKE engine: writes its environment to <out>/env.json, then waits; on SIGTERM notes it and exits 143. */
const FAKE_ENGINE = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const out = process.argv[process.argv.indexOf('--out') + 1];
writeFileSync(join(out, 'env.json'), JSON.stringify(process.env));
process.on('SIGTERM', () => { writeFileSync(join(out, 'sigterm'), ''); process.exit(143); });
setInterval(() => {}, 1000);
`;

describe('the worker process enrols, keeps its secret, and stops when it is refused (FAKE orchestrator)', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp() {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: build first (npx tsc -b apps/worker)`);
    const fake = new FakeOrchestrator();
    await fake.start();
    cleanups.push(() => fake.stop());
    const dir = mkdtempSync(join(tmpdir(), 'reslab-enrol-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { fake, dir, workDir: join(dir, 'work') };
  }

  function startWorker(fake: FakeOrchestrator, dir: string, env: Record<string, string>): ManagedProcess {
    const worker = startProcess('node', [WORKER_MAIN], {
      RESLAB_API_URL: fake.url,
      RESLAB_WORK_DIR: join(dir, 'work'),
      RESLAB_ARTIFACT_DIR: join(dir, 'artifacts'),
      RESLAB_WORKER_IDLE_MS: '100',
      RESLAB_WORKER_HEARTBEAT_MS: '200',
      RESLAB_WORKER_KILL_GRACE_MS: '2000',
      RESLAB_ENROLMENT_TOKEN: '',
      ...env,
    });
    cleanups.push(() => worker.stop('SIGKILL'));
    return worker;
  }

  it('without a credential or an enrolment token, exits 2 with one line naming RESLAB_ENROLMENT_TOKEN and the file', async () => {
    const { fake, dir, workDir } = await setUp();
    const worker = startWorker(fake, dir, {});
    expect(await worker.exited).toBe(2);
    const lines = worker.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('RESLAB_ENROLMENT_TOKEN');
    expect(lines[0]).toContain(join(workDir, 'credential.json'));
    expect(fake.seen).toEqual([]);
  });

  it('a refused enrolment token exits 2 without quoting the token', async () => {
    const { fake, dir } = await setUp();
    const wrong = `rse_${'W'.repeat(43)}`;
    const worker = startWorker(fake, dir, { RESLAB_ENROLMENT_TOKEN: wrong });
    expect(await worker.exited).toBe(2);
    expect(worker.output()).toContain('refused the enrolment token');
    expect(worker.output()).not.toContain(wrong);
  });

  it('trades the token once, keeps the secret in a 0600 file, sends it on every call, and exits 3 once revoked, stopping its engine', async () => {
    const { fake, dir, workDir } = await setUp();
    const engine = join(dir, 'fake-engine.mjs');
    writeFileSync(engine, FAKE_ENGINE);
    const runId = randomUUID();
    fake.assignment = {
      runId,
      attempt: 1,
      config: {
        version: 1,
        model: { arch: 'resnet', depth: 20, shortcut: 'A', zeroInitResidual: false },
        data: { dataset: 'synthetic', valSize: 0, augment: false, onCorruptImage: 'error', download: false },
        optim: {
          lr: 0.1,
          momentum: 0.9,
          nesterov: false,
          weightDecay: 1e-4,
          batchSize: 128,
          schedule: 'constant',
          labelSmoothing: 0,
          milestones: [0.5, 0.75],
        },
        train: { channelsLast: true, amp: 'auto', compile: false, syncBatchNorm: false },
        diagnostics: { gradFlowBatches: 0, curvatureEvery: 0, curvatureImages: 256 },
        resources: { gpus: 1, nodes: 1 },
        epochs: 1,
        seed: 0,
        device: 'cpu',
      },
      leaseSeconds: 30,
      analysis: null,
      node: null,
    };
    const worker = startWorker(fake, dir, {
      RESLAB_ENROLMENT_TOKEN: TOKEN,
      RESLAB_ENGINE_COMMAND: JSON.stringify(['node', engine]),
      RESLAB_DATA_DIRS: join(dir, 'data'),
      // Must not reach the engine:
      DATABASE_URL: 'postgresql://reslab:hunter2@127.0.0.1:5432/reslab',
      RESLAB_API_KEY: `rsk_${'K'.repeat(43)}`,
    });

    const runDir = join(dir, 'artifacts', 'runs', runId, 'attempt-1');
    const engineEnv = await waitFor(
      'the engine to start',
      async () =>
        existsSync(join(runDir, 'env.json'))
          ? (JSON.parse(readFileSync(join(runDir, 'env.json'), 'utf8')) as Record<string, string>)
          : undefined,
      20_000,
    );
    const file = join(workDir, 'credential.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      apiUrl: fake.url,
      workerId: fake.workerId,
      name: expect.any(String),
      secret: SECRET,
    });
    // The engine's environment: an allowlist.
    expect(engineEnv.PATH).toBe(process.env.PATH);
    expect(engineEnv.RESLAB_DATA_DIRS).toBe(join(dir, 'data'));
    for (const name of ['DATABASE_URL', 'RESLAB_API_KEY', 'RESLAB_ENROLMENT_TOKEN', 'RESLAB_API_URL']) {
      expect(engineEnv, name).not.toHaveProperty(name);
    }

    fake.revoked = true;
    expect(await worker.exited).toBe(3);
    expect(existsSync(join(runDir, 'sigterm')), 'the engine got SIGTERM').toBe(true);

    const [enrol, ...calls] = fake.seen;
    expect(enrol).toMatchObject({ path: '/workers/enrol', authorization: undefined, body: { enrolmentToken: TOKEN } });
    expect(calls.map((c) => c.path)).toEqual(expect.arrayContaining(['/workers', `/workers/${fake.workerId}/claim`]));
    for (const call of calls) expect(call.authorization, `${call.method} ${call.path}`).toBe(`Bearer ${SECRET}`);
    expect(fake.seen.filter((c) => c.path === '/workers/enrol')).toHaveLength(1);

    const output = worker.output();
    expect(output.split(REFUSED_LINE)).toHaveLength(2); // said once, not once per retry
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(TOKEN);
  });

  it('starts again from its credential file, without a token, and exits 3 at once when the secret is refused', async () => {
    const { fake, dir } = await setUp();
    const first = startWorker(fake, dir, { RESLAB_ENROLMENT_TOKEN: TOKEN });
    await waitFor('a claim', async () => (fake.seen.some((c) => c.path.endsWith('/claim')) ? true : undefined));
    expect(await first.stop('SIGTERM')).toBe(0);

    fake.seen.length = 0;
    const second = startWorker(fake, dir, {});
    await waitFor('a claim', async () => (fake.seen.some((c) => c.path.endsWith('/claim')) ? true : undefined));
    expect(fake.seen.some((c) => c.path === '/workers/enrol')).toBe(false);
    fake.revoked = true;
    expect(await second.exited).toBe(3);

    const third = startWorker(fake, dir, {});
    expect(await third.exited).toBe(3);
    expect(third.output()).toContain(REFUSED_LINE);
    expect(third.output()).not.toContain(SECRET);
  });
});
