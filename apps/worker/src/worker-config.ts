import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type S3StoreSettings, s3StoreSettings } from '@reslab/contracts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface WorkerConfig {
  /**
   * The orchestrator replicas to call, in order (--api / RESLAB_API_URL, comma-separated): the worker uses one until
   * it cannot be reached, then the next (orchestrator-client.ts). The first is the one it enrols with.
   */
  apiUrls: string[];
  /** --name / RESLAB_WORKER_NAME; null: the name the worker enrolled under (at enrolment, `<host>-<pid>`). */
  name: string | null;
  /**
   * The one-time enrolment token (RESLAB_ENROLMENT_TOKEN / --enrolment-token), traded for the worker's secret when
   * its work dir holds no credential.json yet; unused once it does.
   */
  enrolmentToken: string | null;
  /**
   * --run / RESLAB_RUN_ID: one-run mode, as in a Kubernetes Job's pod (docs/kubernetes.md). The worker claims this
   * run alone and exits once it has finished and been reported; null: it claims from the queue until stopped.
   */
  runId: string | null;
  /** Concurrent engine processes: one per GPU where nvidia-smi finds GPUs, else --slots (default 1). */
  slots: number | null;
  /** The shared artifact store: the engine writes runs/<runId>/ here, so another worker can resume it. */
  artifactDir: string;
  /**
   * RESLAB_ARTIFACT_STORE=s3://bucket/prefix (with RESLAB_S3_ENDPOINT, RESLAB_S3_REGION): checkpoints go to S3,
   * the engine writes under workDir/artifacts, and artifactDir is unused (docs/artifacts.md).
   */
  s3: S3StoreSettings | null;
  /** Port of the /health and /metrics endpoints; 0 picks a free one. */
  metricsPort: number;
  workDir: string;
  /**
   * The folders a run's `data.root` name is resolved under, passed to the engine as RESLAB_DATA_DIRS
   * (libs/engine data/locate.py, which has the same default): $RESLAB_DATA_DIR, /usr/share/datasets, the download
   * cache ~/.cache/reslab/data.
   */
  dataDirs: string[];
  /** The engine's command line before `train ...`: by default `<python> -m reslab_engine`. */
  engineCommand: string[];
  engineDir: string;
  /** Idle wait between claims when the queue is empty, ms. */
  idleMs: number;
  heartbeatMs: number;
  /** How long a draining worker waits for its engines and reports before it exits, ms. */
  drainTimeoutMs: number;
  /** How long a stopped engine has to checkpoint and exit before it gets SIGKILL, ms. */
  killGraceMs: number;
}

export class WorkerConfigError extends Error {}

/** Flags win over environment variables; both are read once at start. */
export function loadWorkerConfig(argv = process.argv.slice(2), env = process.env): WorkerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      name: { type: 'string' },
      slots: { type: 'string' },
      'work-dir': { type: 'string' },
      'artifact-dir': { type: 'string' },
      'metrics-port': { type: 'string' },
      'data-dirs': { type: 'string' },
      'enrolment-token': { type: 'string' },
      run: { type: 'string' },
    },
    strict: true,
  });
  const slotsText = values.slots ?? env.RESLAB_WORKER_SLOTS;
  const slots = slotsText === undefined ? null : Number(slotsText);
  if (slots !== null && (!Number.isInteger(slots) || slots < 1)) {
    throw new WorkerConfigError(`--slots must be a positive integer, got '${slotsText}'`);
  }
  const metricsText = values['metrics-port'] ?? env.RESLAB_WORKER_METRICS_PORT ?? '0';
  const metricsPort = Number(metricsText);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
    throw new WorkerConfigError(`--metrics-port must be a TCP port number, got '${metricsText}'`);
  }
  const apiUrls = parseApiUrls(values.api ?? env.RESLAB_API_URL ?? 'http://127.0.0.1:4000');
  return {
    apiUrls,
    name: values.name ?? env.RESLAB_WORKER_NAME ?? null,
    // Empty counts as unset, so an exported token can be cleared with `RESLAB_ENROLMENT_TOKEN= node ...`.
    enrolmentToken: values['enrolment-token'] || env.RESLAB_ENROLMENT_TOKEN || null,
    runId: parseRunId(values.run ?? env.RESLAB_RUN_ID),
    slots,
    workDir: resolve(values['work-dir'] ?? env.RESLAB_WORK_DIR ?? join(REPO_ROOT, '.reslab', 'worker')),
    dataDirs: parseDataDirs(values['data-dirs'] ?? env.RESLAB_DATA_DIRS, env),
    artifactDir: resolve(values['artifact-dir'] ?? env.RESLAB_ARTIFACT_DIR ?? join(REPO_ROOT, '.reslab', 'artifacts')),
    s3: s3Settings(env),
    metricsPort,
    // RESLAB_ENGINE_COMMAND (a JSON array) swaps the engine, e.g. for a fake one in scheduler load tests.
    engineCommand: env.RESLAB_ENGINE_COMMAND
      ? parseCommand(env.RESLAB_ENGINE_COMMAND)
      : [env.RESLAB_PYTHON ?? join(REPO_ROOT, '.venv', 'bin', 'python'), '-m', 'reslab_engine'],
    engineDir: env.RESLAB_ENGINE_DIR ?? join(REPO_ROOT, 'libs', 'engine'),
    idleMs: Number(env.RESLAB_WORKER_IDLE_MS ?? 1000),
    heartbeatMs: Number(env.RESLAB_WORKER_HEARTBEAT_MS ?? 10000),
    drainTimeoutMs: Number(env.RESLAB_WORKER_DRAIN_TIMEOUT_MS ?? 60000),
    // The engine checkpoints within one step (well under a second for these nets on a CPU), so 15 s is
    // ample; a GPU engine stuck in a driver call gets killed rather than training on unfenced.
    killGraceMs: Number(env.RESLAB_WORKER_KILL_GRACE_MS ?? 15000),
  };
}

function parseApiUrls(text: string): string[] {
  const urls = text
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (!urls.length) throw new WorkerConfigError(`--api / RESLAB_API_URL must list at least one URL, got '${text}'`);
  for (const url of urls) {
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
      throw new WorkerConfigError(`--api / RESLAB_API_URL must be http(s) URLs separated by commas, got '${url}'`);
    }
  }
  return [...new Set(urls.map((url) => url.replace(/\/$/, '')))];
}

function parseRunId(text: string | undefined): string | null {
  if (!text) return null;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    throw new WorkerConfigError(`--run / RESLAB_RUN_ID must be a run id (a UUID), got '${text}'`);
  }
  return text.toLowerCase();
}

function s3Settings(env: NodeJS.ProcessEnv): S3StoreSettings | null {
  try {
    return s3StoreSettings(env);
  } catch (error) {
    throw new WorkerConfigError((error as Error).message);
  }
}

function parseDataDirs(text: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (text === undefined) {
    const dirs = env.RESLAB_DATA_DIR ? [resolve(env.RESLAB_DATA_DIR)] : [];
    return [...new Set([...dirs, '/usr/share/datasets', join(env.HOME || homedir(), '.cache', 'reslab', 'data')])];
  }
  const dirs = text.split(delimiter).filter(Boolean);
  const relative = dirs.filter((dir) => !isAbsolute(dir));
  if (relative.length) {
    throw new WorkerConfigError(
      `--data-dirs / RESLAB_DATA_DIRS must list absolute folders, got '${relative.join("', '")}'`,
    );
  }
  return dirs;
}

function parseCommand(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.length || !parsed.every((p) => typeof p === 'string')) {
    throw new WorkerConfigError(`RESLAB_ENGINE_COMMAND must be a JSON array of strings, got '${text}'`);
  }
  return parsed;
}
