/**
 * MLflow against ResLab (issue 12): the same per-epoch metrics logged into a real MLflow tracking server and into
 * ResLab, one request per epoch, and every metric of every run read back, each side through its own REST API over
 * HTTP as a user's script does. Three targets:
 *  - mlflow:        `mlflow server` (the PyPI package in .venv-mlflow) with a Postgres backend store, a fresh
 *                   database on the same Postgres cluster as ResLab's; `runs/log-batch` in, `metrics/get-history`
 *                   per run per key out, as MlflowClient.log_batch and get_metric_history send them;
 *  - reslab:        one orchestrator process, its native `POST /external-runs/:id/log` in and
 *                   `GET /external-runs/:id/metric-history?key=` out, with an API key;
 *  - reslab-mlflow: the same orchestrator through its MLflow-compatible `/api/2.0/mlflow/` routes (the same
 *                   requests as the mlflow target, plus the API key as MLflow's bearer token).
 *
 * Each run is a script: it creates its run, logs its epochs one request each and in order, ends its run; the runs of
 * a target go `--concurrency` at a time (10 by default; CONCURRENCY says why not 50), the same on every side. One
 * epoch is 10 keys (train and val loss, accuracy, macro precision, recall and F1). The read-back reads each run's keys
 * one after the other, the runs as many at a time, and checks every value against what was logged. After a discarded
 * warm-up round, `--rounds` rounds each measure the three targets in a rotating order, so drift in the machine's load
 * falls on all three.
 *
 * The client is this one Node process (fetch, keep-alive) for all three targets; its CPU time is printed per phase,
 * with the CPU time of each server's processes, so a side held back by the client or by the shared cores shows as
 * such. Prints figures; never fails on a time.
 *
 *   infra/with-postgres.sh ...   # or any DATABASE_URL on a Postgres server
 *   npx tsx benchmarks/mlflow_ingest.ts [--runs 50] [--epochs 100] [--rounds 3] [--concurrency 10] [--mlflow-workers 4]
 *     [--targets mlflow,reslab,reslab-mlflow]
 *   npx tsx benchmarks/mlflow_ingest.ts --runs 5 --epochs 10 --rounds 1   # a quick try
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ExternalRunDto, LogExternalRequest, MetricHistoryDto } from '@reslab/contracts';
import { startMlflowServer } from '../test/support/mlflow-server.js';
import { startStack } from '../test/support/stack.js';
import { percentile, spread } from './figures.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    epochs: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '10' },
    'mlflow-workers': { type: 'string', default: '4' },
    targets: { type: 'string', default: 'mlflow,reslab,reslab-mlflow' },
  },
});
const RUNS = Number(args.runs);
const EPOCHS = Number(args.epochs);
const ROUNDS = Number(args.rounds);
/**
 * Scripts logging at once. 10, not 50: MLflow's log-batch holds one pooled connection while taking a second
 * (sqlalchemy_store.py: log_batch's session, then _log_metrics'), so past about 7 requests at once on one of its
 * workers (pool 5 + overflow 10, its defaults) requests wait for each other until SQLAlchemy's 30 s timeout and
 * fail with a 400; `--concurrency 50` shows it.
 */
const CONCURRENCY = Number(args.concurrency);
/** `mlflow server`'s own default (uvicorn workers). */
const MLFLOW_WORKERS = Number(args['mlflow-workers']);
for (const [name, value] of Object.entries({ RUNS, EPOCHS, ROUNDS, CONCURRENCY, MLFLOW_WORKERS }))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name.toLowerCase()} must be a positive integer`);

const SPLITS = ['train', 'val'] as const;
const MEASURES = ['loss', 'accuracy', 'precision', 'recall', 'f1'] as const;
const KEYS = SPLITS.flatMap((split) => MEASURES.map((measure) => `${split}/${measure}`));

/** A value that round-trips through JSON and float8 exactly, different for every (run, epoch, key). */
function value(run: number, epoch: number, keyIndex: number): number {
  return (keyIndex === 0 || keyIndex === 5 ? 2 / epoch : 1 - 1 / (epoch + 1)) + run / 1024 + keyIndex / 65536;
}

interface Point {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

function epochPoints(run: number, epoch: number): Point[] {
  const timestamp = Date.now();
  return KEYS.map((key, k) => ({ key, value: value(run, epoch, k), step: epoch, timestamp }));
}

// ---- HTTP, as a script's client sends it --------------------------------------------------------------------------

/** Requests answered 408, 429 or 5xx (or not at all) and sent again, since the start; printed per phase. */
let retried = 0;
const RETRIES = 7;

/**
 * One request; the answer parsed when it is JSON. Both clients resend a request the server failed (MLflow's
 * RestStore: 408, 429 and 5xx, MLFLOW_HTTP_REQUEST_MAX_RETRIES = 7 with exponential backoff; ResLab's SDK: 429 and
 * 5xx, with backoff), so this does too, from 50 ms doubling (shorter than MLflow's own), and counts each resend: a
 * server that fails under load shows in the figures instead of ending the benchmark.
 */
async function call<T>(url: string, method: 'GET' | 'POST', token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
      failure = `HTTP ${response.status} ${text.slice(0, 500)}`;
      if (!(response.status >= 500 || response.status === 408 || response.status === 429)) attempt = RETRIES;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (attempt >= RETRIES) throw new Error(`${method} ${url}: ${failure}`);
    retried++;
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
}

/** What differs between the three targets; everything else (payload, concurrency, timing) is shared. */
interface Target {
  name: 'mlflow' | 'reslab' | 'reslab-mlflow';
  createExperiment(name: string): Promise<string>;
  createRun(experiment: string, name: string): Promise<string>;
  logEpoch(runId: string, points: Point[]): Promise<void>;
  endRun(runId: string): Promise<void>;
  history(runId: string, key: string): Promise<{ step: number; value: number | string }[]>;
  /** Roots of the server's process trees, for the CPU accounting. */
  serverPids(): number[];
}

/** MLflow's REST tracking API (mlflow/protos/service.proto), as MlflowClient's RestStore sends it. */
function mlflowApi(baseUrl: string, token: string | null): Omit<Target, 'name' | 'serverPids'> {
  const api = `${baseUrl}/api/2.0/mlflow`;
  return {
    async createExperiment(name) {
      return (await call<{ experiment_id: string }>(`${api}/experiments/create`, 'POST', token, { name }))
        .experiment_id;
    },
    async createRun(experimentId, name) {
      const created = await call<{ run: { info: { run_id: string } } }>(`${api}/runs/create`, 'POST', token, {
        experiment_id: experimentId,
        run_name: name,
        start_time: Date.now(),
      });
      return created.run.info.run_id;
    },
    async logEpoch(runId, points) {
      await call(`${api}/runs/log-batch`, 'POST', token, { run_id: runId, metrics: points, params: [], tags: [] });
    },
    async endRun(runId) {
      await call(`${api}/runs/update`, 'POST', token, { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    },
    async history(runId, key) {
      const points: { step: number; value: number | string }[] = [];
      let pageToken: string | undefined;
      do {
        const query = new URLSearchParams({ run_id: runId, metric_key: key });
        if (pageToken) query.set('page_token', pageToken);
        const page = await call<{
          metrics?: { step?: number | string; value: number | string }[];
          next_page_token?: string;
        }>(`${api}/metrics/get-history?${query}`, 'GET', token);
        // proto3 JSON writes int64 as a string and leaves out a zero step.
        for (const m of page.metrics ?? []) points.push({ step: Number(m.step ?? 0), value: m.value });
        pageToken = page.next_page_token || undefined;
      } while (pageToken);
      return points;
    },
  };
}

/** ResLab's native external-runs API (libs/contracts external-runs.ts), as the Python SDK sends it. */
function reslabApi(apiUrl: string, token: string): Omit<Target, 'name' | 'serverPids'> {
  return {
    // ResLab makes an experiment on a run's first create; the name is all a run needs.
    async createExperiment(name) {
      return name;
    },
    async createRun(experiment, name) {
      return (
        // The SDK chooses the id, so a create sent again after a failure returns the same run.
        (
          await call<ExternalRunDto>(`${apiUrl}/external-runs`, 'POST', token, {
            id: randomUUID(),
            project: 'default',
            experiment,
            name,
            source: 'sdk',
          })
        ).id
      );
    },
    async logEpoch(runId, points) {
      const body: LogExternalRequest = { metrics: points };
      await call(`${apiUrl}/external-runs/${runId}/log`, 'POST', token, body);
    },
    async endRun(runId) {
      await call(`${apiUrl}/external-runs/${runId}/end`, 'POST', token, { status: 'succeeded' });
    },
    async history(runId, key) {
      const query = new URLSearchParams({ key });
      return (await call<MetricHistoryDto>(`${apiUrl}/external-runs/${runId}/metric-history?${query}`, 'GET', token))
        .points;
    },
  };
}

// ---- CPU accounting from /proc (Linux) ----------------------------------------------------------------------------

/** utime + stime of every live process, s, by pid, with its parent and command line. */
function processTable(): Map<number, { ppid: number; cpu: number; cmdline: string }> {
  const table = new Map<number, { ppid: number; cpu: number; cmdline: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state ppid ... utime (14th) stime (15th), in clock ticks.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
        cmdline,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}
/** sysconf(_SC_CLK_TCK) on Linux everywhere this runs. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds of the processes under `roots` (the server and every process it started), by pid. Postgres is left
 * out: MLflow's overflow connections are opened and closed per request, and a backend that exits between two
 * snapshots takes its CPU time with it, so its share could not be counted the same way on both sides.
 */
function serverCpu(roots: number[]): Map<number, number> {
  const table = processTable();
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (roots.includes(p)) return true;
      p = table.get(p)?.ppid ?? 0;
    }
    return false;
  };
  return new Map([...table].filter(([pid]) => inTree(pid)).map(([pid, proc]) => [pid, proc.cpu]));
}

/** CPU seconds spent between two snapshots; a process that started in between counts from zero. */
function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  return [...after].reduce((sum, [pid, cpu]) => sum + cpu - (before.get(pid) ?? 0), 0);
}

// ---- one round on one target ---------------------------------------------------------------------------------------

/** Runs `task(i)` for i in [0, n), at most `limit` at a time. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, limit) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

interface PhaseFigures {
  seconds: number;
  /** Requests sent again after a failure (call()). */
  retried: number;
  latencies: number[];
  clientCpu: number;
  serverCpu: number;
}

async function phase(target: Target, work: (latencies: number[]) => Promise<void>): Promise<PhaseFigures> {
  const latencies: number[] = [];
  const retried0 = retried;
  const cpu0 = serverCpu(target.serverPids());
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await work(latencies);
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const server = cpuSpent(cpu0, serverCpu(target.serverPids()));
  return {
    seconds,
    retried: retried - retried0,
    latencies,
    clientCpu: (client.user + client.system) / 1e6,
    serverCpu: server,
  };
}

async function timed<T>(latencies: number[], request: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const answer = await request();
  latencies.push(performance.now() - t0);
  return answer;
}

interface RoundFigures {
  ingest: PhaseFigures;
  readBack: PhaseFigures;
  load: number;
  /** Run creates sent again after a failure. */
  createRetried: number;
}

async function round(target: Target, label: string, runs: number, epochs: number): Promise<RoundFigures> {
  const load = loadavg()[0] as number;
  const experiment = await target.createExperiment(`bench-${label}-${target.name}-${Date.now()}`);
  const runIds: string[] = [];
  const retried0 = retried;
  await pool(runs, CONCURRENCY, async (i) => {
    runIds[i] = await target.createRun(experiment, `run-${i}`);
  });
  const createRetried = retried - retried0;
  const ingest = await phase(target, (latencies) =>
    pool(runs, CONCURRENCY, async (i) => {
      const runId = runIds[i] as string;
      for (let epoch = 1; epoch <= epochs; epoch++)
        await timed(latencies, () => target.logEpoch(runId, epochPoints(i, epoch)));
    }),
  );
  await pool(runs, CONCURRENCY, async (i) => target.endRun(runIds[i] as string));
  const readBack = await phase(target, (latencies) =>
    pool(runs, CONCURRENCY, async (i) => {
      for (const [k, key] of KEYS.entries()) {
        const points = await timed(latencies, () => target.history(runIds[i] as string, key));
        const bySteps = new Map(points.map((p) => [p.step, p.value]));
        for (let epoch = 1; epoch <= epochs; epoch++)
          if (bySteps.get(epoch) !== value(i, epoch, k))
            throw new Error(`${target.name}: run ${i} ${key} step ${epoch} read back ${bySteps.get(epoch)}`);
        if (points.length !== epochs) throw new Error(`${target.name}: run ${i} ${key} has ${points.length} points`);
      }
    }),
  );
  return { ingest, readBack, load, createRetried };
}

const FLOOR_REQUESTS = 500;

/** Wall and server CPU per request of one GET sent FLOOR_REQUESTS times in a row, ms. */
async function requestFloor(url: string, pids: readonly number[], token: string | null) {
  const cpu0 = serverCpu([...pids]);
  const t0 = performance.now();
  for (let i = 0; i < FLOOR_REQUESTS; i++) await call(url, 'GET', token);
  const wall = (performance.now() - t0) / FLOOR_REQUESTS;
  return { wall, cpu: (1000 * cpuSpent(cpu0, serverCpu([...pids]))) / FLOOR_REQUESTS };
}

// ---- the benchmark -------------------------------------------------------------------------------------------------

const stack = await startStack('reslab_bench_mlflow', { leaseSeconds: 3600 });
const mlflow = await startMlflowServer('mlflow_bench', { workers: MLFLOW_WORKERS }).catch(async (error) => {
  await stack.stop();
  throw error;
});
try {
  const token = stack.admin.apiKey;
  const mlflowVersion = await (await fetch(`${mlflow.url}/version`)).text();
  const orchestratorPid = stack.orchestrator.child.pid as number;
  const allTargets: Target[] = [
    {
      name: 'mlflow',
      ...mlflowApi(mlflow.url, null),
      serverPids: () => [mlflow.process.child.pid as number],
    },
    { name: 'reslab', ...reslabApi(stack.apiUrl, token), serverPids: () => [orchestratorPid] },
    {
      name: 'reslab-mlflow',
      ...mlflowApi(stack.apiUrl, token),
      serverPids: () => [orchestratorPid],
    },
  ];
  const chosen = args.targets.split(',');
  const unknown = chosen.filter((name) => !allTargets.some((t) => t.name === name));
  if (unknown.length) throw new Error(`--targets: no target ${unknown.join(', ')} (mlflow, reslab, reslab-mlflow)`);
  const targets = allTargets.filter((t) => chosen.includes(t.name));

  console.log(`MLflow against ResLab: ${RUNS} runs x ${EPOCHS} epochs x ${KEYS.length} keys, one request per epoch`);
  console.log(`  runs at once: ${Math.min(CONCURRENCY, RUNS)} (each sequential in its epochs), on every target`);
  console.log(
    `  machine: ${cpus().length} cores, load average at the start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `  mlflow: mlflow server ${mlflowVersion} (uvicorn, ${MLFLOW_WORKERS} workers), backend store Postgres database ${mlflow.db.name}`,
  );
  console.log(
    `  reslab: one orchestrator process (apps/orchestrator/dist/main.js), Postgres database ${stack.db.name}`,
  );
  console.log('  client: this Node process, fetch with keep-alive, for every target');

  for (const target of targets) await round(target, 'warmup', Math.min(RUNS, 5), Math.min(EPOCHS, 5));

  // What any request costs each server before it does any work: the floor under every figure below.
  console.log(`  per-request floor, ${FLOOR_REQUESTS} requests one at a time (wall ms, server CPU ms per request):`);
  for (const [label, url, pids, bearer] of [
    ['mlflow GET /health', `${mlflow.url}/health`, [mlflow.process.child.pid as number], null],
    ['reslab GET /health', `${stack.apiUrl}/health`, [orchestratorPid], null],
    ['reslab GET /auth/me (API key)', `${stack.apiUrl}/auth/me`, [orchestratorPid], token],
  ] as const) {
    await requestFloor(url, pids, bearer); // warm-up: the JIT, and the 500 requests' sockets
    const { wall, cpu } = await requestFloor(url, pids, bearer);
    console.log(`    ${label.padEnd(30)} ${wall.toFixed(2)} ms, ${cpu.toFixed(2)} ms`);
  }

  const figures = new Map<Target['name'], RoundFigures[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = targets.map((_, i) => targets[(i + r) % targets.length] as Target);
    for (const target of order) {
      const f = await round(target, `r${r + 1}`, RUNS, EPOCHS);
      figures.get(target.name)?.push(f);
      console.log(
        `  round ${r + 1} ${target.name.padEnd(13)} ingest ${((RUNS * EPOCHS) / f.ingest.seconds).toFixed(0)} epochs/s, ` +
          `read-back ${f.readBack.seconds.toFixed(2)} s (load ${f.load.toFixed(1)}; requests resent: ` +
          `${f.createRetried} creates, ${f.ingest.retried} logs, ${f.readBack.retried} reads)`,
      );
    }
  }

  const per = (name: Target['name'], pick: (f: RoundFigures) => number) => (figures.get(name) ?? []).map(pick);
  const epochsPerSecond = (f: RoundFigures) => (RUNS * EPOCHS) / f.ingest.seconds;
  console.log(`\nper target, median (range) over ${ROUNDS} rounds:`);
  const line = (label: string, values: number[], unit: string, digits = 1) =>
    console.log(`    ${label.padEnd(30)} ${spread(values, unit, digits)}`);
  for (const { name } of targets) {
    console.log(`  ${name}`);
    for (const [phaseName, pick, requests] of [
      ['ingest', (f: RoundFigures) => f.ingest, RUNS * EPOCHS],
      ['read-back', (f: RoundFigures) => f.readBack, RUNS * KEYS.length],
    ] as const) {
      if (phaseName === 'ingest') line('ingest, epochs/s', per(name, epochsPerSecond), '', 0);
      else
        line(
          `read-back of ${requests} histories, s`,
          per(name, (f) => f.readBack.seconds),
          '',
          2,
        );
      line(
        `  request p50, ms`,
        per(name, (f) => percentile(pick(f).latencies, 50)),
        '',
      );
      line(
        `  request p95, ms`,
        per(name, (f) => percentile(pick(f).latencies, 95)),
        '',
      );
      line(
        `  server CPU per request, ms`,
        per(name, (f) => (1000 * pick(f).serverCpu) / requests),
        '',
        2,
      );
      line(
        `  client CPU per request, ms`,
        per(name, (f) => (1000 * pick(f).clientCpu) / requests),
        '',
        2,
      );
    }
  }
  const ratios = (name: Target['name']) => {
    const mine = figures.get(name) ?? [];
    const theirs = figures.get('mlflow') ?? [];
    return {
      ingest: mine.map((f, i) => epochsPerSecond(f) / epochsPerSecond(theirs[i] as RoundFigures)),
      readBack: mine.map((f, i) => (theirs[i] as RoundFigures).readBack.seconds / f.readBack.seconds),
      ingestCpu: mine.map((f, i) => (theirs[i] as RoundFigures).ingest.serverCpu / f.ingest.serverCpu),
      readBackCpu: mine.map((f, i) => (theirs[i] as RoundFigures).readBack.serverCpu / f.readBack.serverCpu),
    };
  };
  console.log('\nResLab / MLflow, per round (goal: 10x on both):');
  for (const name of (['reslab', 'reslab-mlflow'] as const).filter((n) => figures.has(n) && figures.has('mlflow'))) {
    const { ingest, readBack, ingestCpu, readBackCpu } = ratios(name);
    console.log(`  ${name}`);
    console.log(`    ingest, epochs/s:              ${spread(ingest, 'x', 2)}`);
    console.log(`    read-back, speed:              ${spread(readBack, 'x', 2)}`);
    // Postgres's own CPU is in neither side's figure (serverCpu says why).
    console.log(
      `    server CPU, MLflow's / ours:   ingest ${spread(ingestCpu, 'x', 2)}, read-back ${spread(readBackCpu, 'x', 2)}`,
    );
  }
  console.log(
    `  load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} catch (error) {
  // A server's own words on a refused request, which the client only sees as a status; their pipes first.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const errors = (output: string) =>
    output.split('\n').filter((l) => /"level":(50|60)|Traceback|Error|"statusCode":5/.test(l));
  console.error(`orchestrator's errors:\n${errors(stack.orchestrator.output()).slice(-5).join('\n')}`);
  console.error(`mlflow server's errors:\n${errors(mlflow.process.output()).slice(-5).join('\n')}`);
  throw error;
} finally {
  await mlflow.stop();
  await stack.stop();
}
process.exit(0);
