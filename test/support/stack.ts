import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiError } from '@reslab/contracts';
import { REPO_ROOT } from './paths.js';
import { createMigratedDatabase, type ScratchDatabase } from './postgres.js';
import { freePort, type ManagedProcess, startProcess, waitForHttp } from './processes.js';
import { rememberSecret, rememberSecretsIn } from './test-log.js';

/**
 * The platform as `make demo` runs it, on a database of its own: the built
 * orchestrator and worker as real processes, the real engine under the worker.
 */
export interface Stack {
  apiUrl: string;
  /** The instance admin the orchestrator bootstraps (owner of team `demo`), with an API key of its own. */
  admin: TestUser;
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

export interface TestUser {
  email: string;
  password: string;
  apiKey: string;
}

/** The team every stack starts with; runs name its project as `demo/default` or just `default`. */
export const DEMO_TEAM = 'demo';
export const ADMIN = { email: 'admin@reslab.test', password: 'admin-password-for-tests' };

export interface StackOptions {
  /** Lease length in seconds; short in tests so a dead worker's run comes back quickly. */
  leaseSeconds?: number;
  /** A migrated database to use instead of a scratch one on the shared server (e.g. a PrivatePostgres). */
  databaseUrl?: string;
  /** Browser origins the orchestrator admits (RESLAB_ALLOWED_ORIGINS); its default otherwise. */
  allowedOrigins?: string[];
  /** More environment for the orchestrator (e.g. RESLAB_LAUNCHER=kubernetes and a kubeconfig). */
  orchestratorEnv?: Record<string, string>;
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
    RESLAB_ADMIN_EMAIL: ADMIN.email,
    RESLAB_ADMIN_PASSWORD: ADMIN.password,
    ...(options.allowedOrigins && { RESLAB_ALLOWED_ORIGINS: options.allowedOrigins.join(',') }),
    // info, not warn: the secret scan at the end of make test reads everything the orchestrator says.
    LOG_LEVEL: 'info',
    ...options.orchestratorEnv,
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
  const orchestrator = await launchOrchestrator();
  let admin: TestUser;
  try {
    admin = { ...ADMIN, apiKey: await signInWithKey(apiUrl, ADMIN.email, ADMIN.password) };
  } catch (error) {
    await orchestrator.stop();
    throw error;
  }
  const stack: Stack = {
    apiUrl,
    admin,
    db,
    orchestrator,
    workers: [],
    workDir,
    async startWorker(name, workerOptions = {}) {
      // As an admin does: a one-time token for team demo, on first start only. A worker restarted under the
      // same name finds its credential file in its work dir (and needs no API call, should the database be down).
      const workerDir = join(workDir, name);
      const enrolment = existsSync(join(workerDir, 'credential.json'))
        ? ''
        : (
            await api<{ token: string }>(stack, 'POST', '/workers/enrolment-tokens', {
              teamId: await teamId(stack, DEMO_TEAM),
            })
          ).body.token;
      const worker = startProcess('node', [join(REPO_ROOT, 'apps/worker/dist/main.js'), '--name', name], {
        RESLAB_API_URL: workerOptions.apiUrl ?? apiUrl,
        RESLAB_ENROLMENT_TOKEN: enrolment,
        RESLAB_WORK_DIR: workerDir,
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

/** An answer as it came: status, headers, the text, and the JSON when it is JSON (null otherwise). */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/**
 * One request to the API as any client makes it: `token` null sends no credential; `rawBody` and `headers`
 * for what JSON bodies cannot say (a malformed body, an Origin). Every credential it sends or receives is kept
 * for the scan of every process log at the end of make test (test-log.ts).
 */
export async function callApi(
  stack: Pick<Stack, 'apiUrl'>,
  method: string,
  path: string,
  options: { token: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown = null;
  if (response.headers.get('content-type')?.includes('application/json') && text) json = JSON.parse(text);
  if (options.token) rememberSecret('credential', options.token);
  rememberSecretsIn(options.body);
  rememberSecretsIn(json);
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * One call to the API with a JSON answer, as the stack's admin unless `as` names another credential
 * (a user's key, a worker secret, a share link) or `null` for none.
 */
export async function api<T = unknown>(
  stack: Pick<Stack, 'apiUrl' | 'admin'>,
  method: string,
  path: string,
  body?: unknown,
  as: { token: string | null } = { token: stack.admin.apiKey },
): Promise<{ status: number; body: T }> {
  const answer = await callApi(stack, method, path, { token: as.token, body });
  return { status: answer.status, body: (answer.json ?? (answer.text ? JSON.parse(answer.text) : null)) as T };
}

/** GET `path` as the admin: its status and the fields its error names (`issues[].path`), for bad-input tables. */
export async function refusal(stack: Pick<Stack, 'apiUrl' | 'admin'>, path: string) {
  const { status, body } = await api<ApiError>(stack, 'GET', path);
  return { status, fields: body?.issues?.map((i) => i.path) };
}

/** Signs in with a password (POST /auth/login) and makes an API key with that session, as `reslab login` does. */
export async function signInWithKey(apiUrl: string, email: string, password: string): Promise<string> {
  const login = await callApi({ apiUrl }, 'POST', '/auth/login', { token: null, body: { email, password } });
  if (login.status !== 200) throw new Error(`sign-in of ${email} failed: HTTP ${login.status} ${login.text}`);
  const { token } = login.json as { token: string };
  const key = await callApi({ apiUrl }, 'POST', '/keys', { token, body: { name: 'tests' } });
  if (key.status !== 201) throw new Error(`key for ${email} failed: HTTP ${key.status} ${key.text}`);
  return (key.json as { secret: string }).secret;
}

export async function teamId(stack: Pick<Stack, 'apiUrl' | 'admin'>, slug: string): Promise<string> {
  const { body } = await api<{ id: string; slug: string }[]>(stack, 'GET', '/teams');
  const team = body.find((t) => t.slug === slug);
  if (!team) throw new Error(`no team ${slug} visible to the admin`);
  return team.id;
}

export interface TestWorker {
  id: string;
  secret: string;
  /** Pass as api()'s last argument to call as this worker. */
  as: { token: string };
}

/**
 * A worker identity for a test that speaks the worker protocol itself (no worker process): enrolled
 * into `team` (default demo) with a one-time token, as `reslab-worker` does on first start.
 */
export async function enrolTestWorker(
  stack: Pick<Stack, 'apiUrl' | 'admin'>,
  name: string,
  options: { slots?: number; teamId?: string | null } = {},
): Promise<TestWorker> {
  const team = options.teamId === undefined ? await teamId(stack, DEMO_TEAM) : options.teamId;
  const token = await api<{ token: string }>(stack, 'POST', '/workers/enrolment-tokens', { teamId: team });
  if (token.status !== 201) throw new Error(`enrolment token: HTTP ${token.status} ${JSON.stringify(token.body)}`);
  const enrolled = await api<{ worker: { id: string }; secret: string }>(
    stack,
    'POST',
    '/workers/enrol',
    { enrolmentToken: token.body.token, name, host: 'test', slots: options.slots ?? 1 },
    { token: null },
  );
  if (enrolled.status !== 201)
    throw new Error(`enrol ${name}: HTTP ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
  return { id: enrolled.body.worker.id, secret: enrolled.body.secret, as: { token: enrolled.body.secret } };
}
