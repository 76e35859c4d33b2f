import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { freePort, type ManagedProcess, startProcess, waitForHttp } from './processes.js';

export interface Dashboard {
  url: string;
  process: ManagedProcess;
}

/**
 * The built dashboard (`next start`, as `make demo` runs it) on a free port, pointed at `apiUrl` from the
 * server and from the browser; resolves once `readyPath` answers.
 */
export async function startDashboard(apiUrl: string, readyPath = '/runs'): Promise<Dashboard> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess(
    'node',
    [join(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    { RESLAB_API_URL: apiUrl, NEXT_PUBLIC_RESLAB_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
    join(REPO_ROOT, 'apps/dashboard'),
  );
  await waitForHttp(`${url}${readyPath}`, 60_000);
  return { url, process };
}
