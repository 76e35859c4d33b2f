import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface WorkerConfig {
  apiUrl: string;
  name: string;
  /** Concurrent engine processes; on GPU machines, one per GPU (the scheduling issue). */
  slots: number;
  workDir: string;
  python: string;
  engineDir: string;
  /** Idle wait between claims when the queue is empty, ms. */
  idleMs: number;
  heartbeatMs: number;
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
    },
    strict: true,
  });
  const slotsText = values.slots ?? env.RESLAB_WORKER_SLOTS ?? '1';
  const slots = Number(slotsText);
  if (!Number.isInteger(slots) || slots < 1)
    throw new WorkerConfigError(`--slots must be a positive integer, got '${slotsText}'`);
  const apiUrl = values.api ?? env.RESLAB_API_URL ?? 'http://127.0.0.1:4000';
  try {
    new URL(apiUrl);
  } catch {
    throw new WorkerConfigError(`--api / RESLAB_API_URL must be a URL, got '${apiUrl}'`);
  }
  return {
    apiUrl: apiUrl.replace(/\/$/, ''),
    name: values.name ?? env.RESLAB_WORKER_NAME ?? `${hostname()}-${process.pid}`,
    slots,
    workDir: resolve(values['work-dir'] ?? env.RESLAB_WORK_DIR ?? join(REPO_ROOT, '.reslab', 'runs')),
    python: env.RESLAB_PYTHON ?? join(REPO_ROOT, '.venv', 'bin', 'python'),
    engineDir: env.RESLAB_ENGINE_DIR ?? join(REPO_ROOT, 'libs', 'engine'),
    idleMs: Number(env.RESLAB_WORKER_IDLE_MS ?? 1000),
    heartbeatMs: Number(env.RESLAB_WORKER_HEARTBEAT_MS ?? 10000),
  };
}
