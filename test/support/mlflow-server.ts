import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { createScratchDatabase, type ScratchDatabase } from './postgres.js';
import { freePort, type ManagedProcess, startProcess, waitFor } from './processes.js';

/** The real MLflow (test/mlflow/requirements.txt), in an environment of its own so its pins stay out of .venv. */
export const MLFLOW_VENV = join(REPO_ROOT, '.venv-mlflow');
export const MLFLOW_PYTHON = join(MLFLOW_VENV, 'bin', 'python');

/**
 * A real MLflow tracking server, as a team runs it (`mlflow server --backend-store-uri postgresql://...`): its
 * backend store is a fresh database on the tests' Postgres cluster, its artifacts a temporary folder it serves
 * itself (`mlflow-artifacts:/`). MLflow creates its own tables on first start (Alembic), which is most of the
 * start-up time; `startupMs` says how long it took.
 */
export interface MlflowServer {
  /** http://127.0.0.1:<port>: what MLFLOW_TRACKING_URI names. */
  url: string;
  db: ScratchDatabase;
  process: ManagedProcess;
  /** From spawn to a healthy /health, milliseconds. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface MlflowServerOptions {
  /** uvicorn worker processes; 1 by default (the tests share two cores), MLflow's own default is 4. */
  workers?: number;
  timeoutMs?: number;
}

export async function startMlflowServer(prefix = 'mlflow', options: MlflowServerOptions = {}): Promise<MlflowServer> {
  const db = await createScratchDatabase(prefix);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const artifacts = mkdtempSync(join(tmpdir(), `${prefix}-artifacts-`));
  const started = Date.now();
  // SQLAlchemy's dialect name; psycopg2 is in .venv-mlflow (test/mlflow/requirements.txt).
  const backend = db.url.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
  const server = startProcess(
    join(MLFLOW_VENV, 'bin', 'mlflow'),
    [
      'server',
      '--backend-store-uri',
      backend,
      '--artifacts-destination',
      artifacts,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      String(options.workers ?? 1),
    ],
    {
      // No telemetry from a test (MLflow 3 sends usage events unless told not to).
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
      // MLflow 3's job runner (huey consumers for its GenAI scorers: four more processes) serves no tracking call;
      // off, it leaves the two cores to the tracking server itself.
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      PYTHONUNBUFFERED: '1',
    },
  );
  const stop = async () => {
    await server.stop();
    await db.drop();
    rmSync(artifacts, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitFor(
        `MLflow's tracking server on ${url}`,
        async () => ((await fetch(`${url}/health`)).ok ? true : undefined),
        options.timeoutMs ?? 120_000,
      ),
      server.exited.then((code) => {
        throw new Error(`mlflow server exited with ${code}`);
      }),
    ]);
  } catch (error) {
    const output = server.output();
    await stop();
    throw new Error(`mlflow server did not come up: ${(error as Error).message}\n${output}`);
  }
  return { url, db, process: server, startupMs: Date.now() - started, stop };
}
