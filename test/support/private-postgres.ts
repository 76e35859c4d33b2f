import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../../apps/orchestrator/src/database/migrations.js';
import { MIGRATIONS_DIR } from './paths.js';
import { freePort } from './processes.js';

/**
 * A Postgres server of a test's own (initdb into a temporary folder, its own
 * port), so a fault test can stop, kill and start it without touching the
 * server every other test uses. Debian's binaries, as infra/postgres uses them.
 */
export interface PrivatePostgres {
  /** The migrated `reslab` database. */
  url: string;
  /** `pg_ctl stop -m fast`: open connections are cut, new ones refused. */
  stop(): void;
  /** `kill -9` of the postmaster, as a crash or an OOM kill would do it. */
  kill(): void;
  start(): void;
  destroy(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('no PostgreSQL under /usr/lib/postgresql: run `make test`, which installs it');
  return join(root, version, 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dataDir = mkdtempSync(join(tmpdir(), 'reslab-pg-'));
  chmodSync(dataDir, 0o700);
  const root = process.getuid?.() === 0;
  if (root) execFileSync('chown', ['postgres:postgres', dataDir]);
  // initdb and the server refuse to run as root.
  const asOwner = (command: string, args: string[]) =>
    root
      ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: '/', stdio: 'pipe' })
      : execFileSync(command, args, { stdio: 'pipe' });
  asOwner(join(bin, 'initdb'), ['-D', dataDir, '-U', 'reslab', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const pgCtl = (...args: string[]) => asOwner(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
  const start = () =>
    pgCtl(
      '-l',
      join(dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off`,
      'start',
    );
  start();
  const admin = new pg.Client({ connectionString: `postgresql://reslab@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE reslab');
  await admin.end();
  const url = `postgresql://reslab@127.0.0.1:${port}/reslab`;
  await applyMigrations(url, MIGRATIONS_DIR);
  const pidOf = () =>
    Number(
      execFileSync('head', ['-n1', join(dataDir, 'postmaster.pid')])
        .toString()
        .trim(),
    );
  return {
    url,
    stop: () => pgCtl('-m', 'fast', '-w', 'stop'),
    kill: () => {
      const postmaster = pidOf();
      const children = execFileSync('bash', ['-c', `pgrep -P ${postmaster} || true`])
        .toString()
        .split('\n')
        .filter(Boolean);
      process.kill(postmaster, 'SIGKILL');
      // Its children exit once they notice the postmaster is gone; a start before that finds them attached
      // to the old shared memory and refuses.
      const wait = `for i in $(seq 200); do alive=0; for p in ${children.join(' ')}; do kill -0 $p 2>/dev/null && alive=1; done; [ $alive = 0 ] && exit 0; sleep 0.05; done`;
      execFileSync('bash', ['-c', wait]);
    },
    start,
    destroy: () => {
      try {
        pgCtl('-m', 'immediate', '-w', 'stop');
      } catch {
        // already stopped
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
