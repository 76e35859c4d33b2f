import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { createMigratedDatabase, type ScratchDatabase } from './postgres.js';
import { freePort, type ManagedProcess, startProcess, waitForHttp } from './processes.js';

/**
 * The platform as `make demo` runs it, on a database of its own: the built
 * orchestrator and worker as real processes, the real engine under the worker.
 */
export interface Stack {
  apiUrl: string;
  db: ScratchDatabase;
  orchestrator: ManagedProcess;
  workers: ManagedProcess[];
  workDir: string;
  startWorker(name: string, options?: WorkerOptions): Promise<ManagedProcess>;
  /** Stops the orchestrator, waits `downMs` (default 0), and starts it again on the same port and database. */
  restartOrchestrator(options?: { downMs?: number }): Promise<void>;
  /** The two halves of a restart, for a test that checks what clients do in between. */
  stopOrchestrator(signal?: NodeJS.Signals): Promise<void>;
  startOrchestrator(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Lease length in seconds; short in tests so a dead worker's run comes back quickly. */
  leaseSeconds?: number;
  /** A migrated database to use instead of a scratch one on the shared server (e.g. a PrivatePostgres). */
  databaseUrl?: string;
}

export interface WorkerOptions {
  /** The orchestrator's URL as this worker sees it, e.g. through a TcpProxy that a test can cut. */
  apiUrl?: string;
  /** Extra environment for the worker and, through it, its engines (e.g. RESLAB_ENGINE_COMMAND). */
  env?: Record<string, string>;
}

/** RESLAB_ENGINE_COMMAND for test/support/fake-engine.mjs: a FAKE engine, for tests that exercise the scheduler only. */
export const FAKE_ENGINE_COMMAND = JSON.stringify(['node', join(REPO_ROOT, 'test', 'support', 'fake-engine.mjs')]);

export async function startStack(prefix: string, options: StackOptions = {}): Promise<Stack> {
  const db: ScratchDatabase = options.databaseUrl
    ? { url: options.databaseUrl, name: prefix, drop: async () => {} }
    : await createMigratedDatabase(prefix);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const workDir = mkdtempSync(join(tmpdir(), `${prefix}-work-`));
  const artifactDir = join(workDir, 'artifacts');
  const orchestratorEnv = {
    DATABASE_URL: db.url,
    RESLAB_API_PORT: String(port),
    RESLAB_ARTIFACT_DIR: artifactDir,
    RESLAB_LEASE_SECONDS: String(options.leaseSeconds ?? 30),
    LOG_LEVEL: 'warn',
  };
  const launchOrchestrator = async () => {
    const orchestrator = startProcess('node', [join(REPO_ROOT, 'apps/orchestrator/dist/main.js')], orchestratorEnv);
    try {
      await waitForHttp(`${apiUrl}/health`, 30_000);
    } catch (error) {
      throw new Error(`orchestrator did not come up: ${(error as Error).message}\n${orchestrator.output()}`);
    }
    return orchestrator;
  };
  const stack: Stack = {
    apiUrl,
    db,
    orchestrator: await launchOrchestrator(),
    workers: [],
    workDir,
    async startWorker(name, workerOptions = {}) {
      const worker = startProcess('node', [join(REPO_ROOT, 'apps/worker/dist/main.js'), '--name', name], {
        RESLAB_API_URL: workerOptions.apiUrl ?? apiUrl,
        RESLAB_WORK_DIR: join(workDir, name),
        RESLAB_ARTIFACT_DIR: artifactDir,
        RESLAB_WORKER_IDLE_MS: '200',
        ...workerOptions.env,
      });
      stack.workers.push(worker);
      return worker;
    },
    async stopOrchestrator(signal) {
      await stack.orchestrator.stop(signal);
    },
    async startOrchestrator() {
      stack.orchestrator = await launchOrchestrator();
    },
    async restartOrchestrator({ downMs = 0 } = {}) {
      await stack.orchestrator.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      stack.orchestrator = await launchOrchestrator();
    },
    async stop() {
      await Promise.all(stack.workers.map((w) => w.stop()));
      await stack.orchestrator.stop();
      await db.drop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export async function api<T = unknown>(
  stack: Stack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
