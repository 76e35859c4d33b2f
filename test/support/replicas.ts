import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { freePort, type ManagedProcess, startProcess, waitForHttp } from './processes.js';
import type { Stack } from './stack.js';

/** Another orchestrator process on a stack's database: the same platform, reached at another URL. */
export interface Replica {
  apiUrl: string;
  process: ManagedProcess;
  /** The stack as seen through this replica, for the helpers that take a Stack (api, runWhen, metricsOf). */
  view: Stack;
}

/** Starts an orchestrator replica beside `stack`'s own, on its database and artifact folder, with its lease length. */
export async function startReplica(stack: Stack, options: { leaseSeconds: number }): Promise<Replica> {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const process = startProcess('node', [join(REPO_ROOT, 'apps/orchestrator/dist/main.js')], {
    DATABASE_URL: stack.db.url,
    RESLAB_API_PORT: String(port),
    RESLAB_ARTIFACT_DIR: join(stack.workDir, 'artifacts'),
    RESLAB_LEASE_SECONDS: String(options.leaseSeconds),
    LOG_LEVEL: 'info',
  });
  try {
    await waitForHttp(`${apiUrl}/health`, 30_000);
  } catch (error) {
    await process.stop();
    throw new Error(`replica did not come up: ${(error as Error).message}\n${process.output()}`);
  }
  return { apiUrl, process, view: { ...stack, apiUrl } };
}

/** A Prometheus counter of one orchestrator process (its /metrics), 0 when it has no sample yet. */
export async function counterOf(apiUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
