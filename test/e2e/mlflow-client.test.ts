import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { AuditPage } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createAccount, createTeam, grantRole } from '../support/identity.js';
import { MLFLOW_PYTHON, type MlflowServer, startMlflowServer } from '../support/mlflow-server.js';
import { REPO_ROOT } from '../support/paths.js';
import { api, callApi, DEMO_TEAM, type Stack, startStack, teamId } from '../support/stack.js';

/**
 * MLflow's own client, unchanged, against ResLab's MLflow routes (apps/orchestrator/src/mlflow) and against a
 * real MLflow tracking server (.venv-mlflow, backed by the same Postgres cluster) in the same test: the script
 * test/mlflow/log_run.py logs two runs and reads them back; the two servers' answers must agree, and ResLab's
 * must equal what was logged.
 */

const SCRIPTS = join(REPO_ROOT, 'test', 'mlflow');

interface Script {
  code: number;
  stdout: string;
  stderr: string;
}

function python(script: string, args: string[], env: Record<string, string>): Promise<Script> {
  return new Promise((resolve) => {
    execFile(
      MLFLOW_PYTHON,
      [join(SCRIPTS, script), ...args],
      {
        timeout: 60_000,
        // MLFLOW_TRACKING_TOKEN unset unless given: the real server takes no token.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          MLFLOW_DISABLE_TELEMETRY: 'true',
          ...env,
        },
        cwd: REPO_ROOT,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** The JSON a script printed last: MLflow's client prints its own "View run ..." lines on stdout before it. */
function printed<T>(run: Script): T {
  if (run.code !== 0) throw new Error(`script failed (${run.code}):\n${run.stderr.slice(-4000)}`);
  const start = run.stdout.indexOf('\n{');
  return JSON.parse(run.stdout.startsWith('{') ? run.stdout : run.stdout.slice(start + 1)) as T;
}

type Value = number | 'NaN' | 'Infinity' | '-Infinity';
interface Read {
  experiment: { name: string; lifecycle_stage: string; same_id: boolean };
  run: {
    run_name: string;
    status: string;
    lifecycle_stage: string;
    has_end_time: boolean;
    params: Record<string, string>;
    metrics: Record<string, Value>;
    tags: Record<string, string>;
  };
  history: { step: number; value: Value }[];
  nan_history: { step: number; value: Value }[];
  search: string[];
  search_accuracy: Value[];
  search_lr: string[];
  by_start_time: string[];
  searches: Record<string, string[]>;
  search_experiments: string[];
  /** log_run.py evaluate_and_resume: values logged to an ended run, a resume, a log_batch at MLflow's limits. */
  later: {
    ended: { status: string; has_end_time: boolean };
    after_evaluation: Record<string, unknown>;
    during_resume: { status: string; end_time_kept?: boolean };
    resumed: Record<string, unknown>;
    overwritten: { status: string; end_time_moved: boolean };
    full_batch: Record<string, boolean>;
  };
}

type Probe = Record<string, { ok?: unknown; error_code?: string; error?: string; message?: string }>;

let stack: Stack;
let mlflow: MlflowServer;
let researcher: Account;

beforeAll(async () => {
  // Both servers start side by side; MLflow's first start creates its tables (its startupMs is printed below).
  [stack, mlflow] = await Promise.all([startStack('mlflow_client'), startMlflowServer('mlflow_client')]);
  console.log(`MLflow tracking server up in ${mlflow.startupMs} ms (first start, migrating its database)`);
  researcher = await createAccount(stack, 'researcher');
  await grantRole(stack, await teamId(stack, DEMO_TEAM), researcher.email, 'member');
});

afterAll(async () => {
  await Promise.all([stack?.stop(), mlflow?.stop()]);
});

const reslabEnv = (token: string, uri = stack.apiUrl) => ({ MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_TOKEN: token });

describe("MLflow's client against ResLab and against MLflow's own server", () => {
  let ours: Read;
  let theirs: Read;

  it('logs and reads back the same script on both servers, and ResLab returns what was logged', async () => {
    // One after the other: the tests share two cores, and each script runs ~200 requests one at a time.
    let started = Date.now();
    theirs = printed<Read>(await python('log_run.py', ['cifar-sweep'], { MLFLOW_TRACKING_URI: mlflow.url }));
    const theirMs = Date.now() - started;
    started = Date.now();
    ours = printed<Read>(await python('log_run.py', ['cifar-sweep'], reslabEnv(researcher.apiKey)));
    // Printed, never asserted: the script's wall time on each server, interpreter start included.
    console.log(`log_run.py: MLflow's server ${theirMs} ms, ResLab ${Date.now() - started} ms`);

    // What the script logged (log_run.py): 100 train_loss steps of 2.3 * (1 - lr)^step, then the final values.
    expect(ours.run.run_name).toBe('resnet20-lr0.1');
    expect(ours.run.status).toBe('FINISHED');
    expect(ours.run.lifecycle_stage).toBe('active');
    expect(ours.run.has_end_time).toBe(true);
    expect(ours.run.params).toEqual({ batch_size: '128', depth: '20', lr: '0.1', optimizer: 'sgd' });
    expect(ours.history.map((p) => p.step)).toEqual([...Array(100).keys()]);
    for (const [step, point] of ours.history.entries())
      expect(point.value as number).toBeCloseTo(2.3 * 0.9 ** step, 12);
    expect(ours.run.metrics.train_loss).toBe(ours.history[99]?.value);
    expect(ours.run.metrics.val_accuracy).toBe(0.91);
    expect(ours.run.metrics.val_loss).toBe(0.3);
    expect(ours.run.tags.dataset).toBe('cifar10');
    expect(ours.run.tags['mlflow.runName']).toBe('resnet20-lr0.1');
    expect(ours.search).toEqual(['resnet20-lr0.1', 'resnet20-lr0.01']);
    expect(ours.search_accuracy).toEqual([0.91, 0.87]);
    expect(ours.search_lr).toEqual(['resnet20-lr0.01']);
    expect(ours.by_start_time).toEqual(['resnet20-lr0.1', 'resnet20-lr0.01']);
    // Each filter and order of log_run.py on ResLab; that MLflow's server answers alike is the comparison below.
    const [fast, slow] = ['resnet20-lr0.1', 'resnet20-lr0.01'];
    // Unordered searches come newest first (MLflow's start_time DESC): the second run, then the first.
    expect(ours.searches).toEqual({
      "attributes.run_name LIKE 'resnet20-lr0.0%'": [slow],
      "tags.dataset ILIKE 'CIFAR%'": [slow, fast],
      "params.lr != '0.1'": [slow],
      'metrics.train_loss <= 0.001': [fast],
      'metrics.grad_norm_max > 1e300': [slow, fast],
      'params.missing IS NULL AND tags.dataset IS NOT NULL': [slow, fast],
      'attributes.run_id IN (<second run>)': [slow],
      'params.lr ASC': [slow, fast],
      'attributes.run_name DESC': [fast, slow],
      'metrics.train_loss ASC': [fast, slow],
      'tags.dataset': [slow, fast],
    });
    expect(ours.search_experiments).toEqual(['cifar-sweep']);
    expect(ours.experiment).toEqual({ name: 'cifar-sweep', lifecycle_stage: 'active', same_id: true });

    // After training: an evaluation logs to the ended run with MlflowClient (stored; the run stays FINISHED with its
    // end time), start_run(run_id=...) resumes it, logs more and ends it again; then a log_batch at MLflow's limits.
    expect(ours.later).toEqual({
      ended: { status: 'FINISHED', has_end_time: true },
      after_evaluation: {
        status: 'FINISHED',
        same_end_time: true,
        metrics: { train_loss: 1, test_accuracy: 0.93 },
        params: { eval_split: 'test' },
        evaluated: 'yes',
        // A param and a tag longer than MLflow's limits, cut to them as MLflow's server cuts them.
        cut_to: [6000, 8000],
      },
      during_resume: { status: 'RUNNING', end_time_kept: false },
      resumed: {
        status: 'FINISHED',
        ended_again: true,
        train_loss: [
          [0, 1],
          [1, 0.5],
        ],
        metrics: { train_loss: 0.5, test_accuracy: 0.93 },
        params: { eval_split: 'test', resumed: 'yes' },
      },
      // set_terminated(run_id, 'FAILED') after FINISHED overwrites the status and the end time, as on MLflow's server.
      overwritten: { status: 'FAILED', end_time_moved: true },
      full_batch: { params_stored: true, tags_stored: true, history_stored: true },
    });
    // A resume's one difference: MLflow's server keeps the end time its client sends back with RUNNING (the old
    // one, fluent.py start_run), where ResLab's running run has none until it ends again.
    expect(theirs.later.during_resume.end_time_kept).toBe(true);
    delete ours.later.during_resume.end_time_kept;
    delete theirs.later.during_resume.end_time_kept;

    // NaN round-trips on both. An infinity does not on MLflow's SQL store, which clips it to the largest double
    // (sqlalchemy_store.py); ResLab keeps it as logged. That one value is the servers' only difference.
    expect(ours.nan_history).toEqual([{ step: 99, value: 'NaN' }]);
    expect(ours.run.metrics.grad_norm).toBe('NaN');
    expect(ours.run.metrics.grad_norm_max).toBe('Infinity');
    expect(theirs.run.metrics.grad_norm_max).toBe(Number.MAX_VALUE);
    delete (ours.run.metrics as Partial<Read['run']['metrics']>).grad_norm_max;
    delete (theirs.run.metrics as Partial<Read['run']['metrics']>).grad_norm_max;
    // The client tags the checkout's commit, which may move between the two runs while others commit: both
    // servers must have it (or neither), whatever its value.
    const commit = 'mlflow.source.git.commit';
    expect(commit in ours.run.tags).toBe(commit in theirs.run.tags);
    delete ours.run.tags[commit];
    delete theirs.run.tags[commit];
    expect(ours).toEqual(theirs);
  });

  it("stores MLflow's runs as external runs that ResLab's own API and charts read", async () => {
    const page = await api<{ items: { name: string; source: string; status: string; params: object }[] }>(
      stack,
      'GET',
      `/external-runs?project=${DEMO_TEAM}/mlflow&experiment=cifar-sweep`,
    );
    expect(page.status).toBe(200);
    expect(page.body.items.map((r) => [r.name, r.source, r.status])).toEqual([
      ['resnet20-lr0.01', 'mlflow', 'succeeded'],
      ['resnet20-lr0.1', 'mlflow', 'succeeded'],
    ]);
  });

  it('audits runs/create, runs/update and runs/delete as the native routes are audited', async () => {
    const post = (path: string, body: unknown) =>
      callApi(stack, 'POST', `/api/2.0/mlflow/${path}`, { token: researcher.apiKey, body });
    const experiment = (await post('experiments/create', { name: 'audited' })).json as { experiment_id: string };
    const created = (await post('runs/create', { experiment_id: experiment.experiment_id })).json as {
      run: { info: { run_id: string } };
    };
    const runId = created.run.info.run_id;
    expect((await post('runs/update', { run_id: runId, status: 'FINISHED' })).status).toBe(200);
    expect((await post('runs/update', { run_id: runId, status: 'RUNNING' })).status).toBe(200);
    expect((await post('runs/update', { run_id: runId, status: 'KILLED' })).status).toBe(200);
    expect((await post('runs/delete', { run_id: runId })).status).toBe(200);
    const audit = await api<AuditPage>(stack, 'GET', `/teams/${await teamId(stack, DEMO_TEAM)}/audit?limit=100`);
    const entries = audit.body.items.filter((e) => e.targetId === runId).reverse();
    expect(entries.map((e) => [e.action, e.actor.email, e.via.kind])).toEqual(
      ['external_run.create', 'external_run.end', 'external_run.resume', 'external_run.end', 'external_run.delete'].map(
        (action) => [action, researcher.email, 'apiKey'],
      ),
    );
    expect(entries[0]?.detail).toEqual({ source: 'mlflow' });
    expect(entries.map((e) => e.detail.status).filter(Boolean)).toEqual(['succeeded', 'cancelled']);
  });

  it("answers refusals in MLflow's codes, as MLflow's server does", async () => {
    const theirs = printed<Probe>(await python('probes.py', ['missing-run'], { MLFLOW_TRACKING_URI: mlflow.url }));
    const ours = printed<Probe>(
      await python('probes.py', ['missing-run', 'bad-token', 'log-artifact'], reslabEnv(researcher.apiKey)),
    );
    expect(theirs['missing-run']?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(ours['missing-run']).toEqual(theirs['missing-run']);
    expect(ours['bad-token']?.error_code).toBe('UNAUTHENTICATED');
    // Artifacts are not stored: the client's error quotes ResLab's message, not a bare 404.
    expect(ours['log-artifact']?.message).toContain('ResLab stores no MLflow artifacts');
  });

  it("refuses over plain HTTP as MLflow's server does: a changed param, an unsupported filter, an unknown endpoint", async () => {
    const post = (base: string, path: string, body: unknown, token: string | null = researcher.apiKey) =>
      callApi({ apiUrl: base }, 'POST', `/api/2.0/mlflow/${path}`, { token, body });
    const [run] = ((await post(stack.apiUrl, 'runs/search', { experiment_ids: [] })).json as { runs?: unknown[] })
      .runs ?? [undefined];
    expect(run).toBeUndefined(); // no experiment named: no run, as MLflow answers

    for (const base of [mlflow.url, stack.apiUrl]) {
      const experiment = (await post(base, 'experiments/create', { name: 'http-probe' })).json as {
        experiment_id: string;
      };
      // int64 as a decimal string, as protobuf's JSON writes it.
      const created = await post(base, 'runs/create', {
        experiment_id: experiment.experiment_id,
        start_time: '1700000000000',
      });
      expect(created.status).toBe(200);
      const runId = (created.json as { run: { info: { run_id: string; start_time: number } } }).run.info.run_id;
      expect((created.json as { run: { info: { start_time: number } } }).run.info.start_time).toBe(1_700_000_000_000);
      expect((await post(base, 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
      const changed = await post(base, 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' });
      expect([base, changed.status, (changed.json as { error_code: string }).error_code]).toEqual([
        base,
        400,
        'INVALID_PARAMETER_VALUE',
      ]);
      const again = await post(base, 'experiments/create', { name: 'http-probe' });
      expect([base, again.status, (again.json as { error_code: string }).error_code]).toEqual([
        base,
        400,
        'RESOURCE_ALREADY_EXISTS',
      ]);
      // The run's status by its enum number (3 = FINISHED), as protobuf's JSON may send it.
      const ended = await post(base, 'runs/update', { run_id: runId, status: 3, end_time: 1_700_000_001_000 });
      expect((ended.json as { run_info: { status: string } }).run_info.status).toBe('FINISHED');
    }

    const unsupported = await post(stack.apiUrl, 'runs/search', {
      experiment_ids: ['0'],
      filter: "metrics.acc > 0.5 AND params.lr IN ('0.1')",
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((unsupported.json as { message: string }).message).toContain("params.lr IN ('0.1')");

    // MLflow's web UI prefix serves the same routes.
    const ajax = await callApi(stack, 'GET', '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0', {
      token: researcher.apiKey,
    });
    expect([ajax.status, ajax.json]).toMatchObject([200, { experiment: { experiment_id: '0', name: 'Default' } }]);
    const missingField = await callApi(stack, 'GET', '/api/2.0/mlflow/metrics/get-history?run_id=x', {
      token: researcher.apiKey,
    });
    expect([missingField.status, missingField.json]).toEqual([
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'metric_key'" },
    ]);

    // Past the 16 MB limit of a log body, refused by the body parser before any route: still in MLflow's shape.
    // (MLflow's server has no limit on the body, and cuts a long tag down to 8000 characters.)
    const oversized = await post(stack.apiUrl, 'runs/log-batch', {
      run_id: 'x',
      tags: [{ key: 'huge', value: 'x'.repeat(17 * 1024 * 1024) }],
    });
    expect([oversized.status, oversized.json]).toEqual([
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: 'request body larger than 16mb' },
    ]);
    const notJson = await callApi(stack, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      token: researcher.apiKey,
      rawBody: '{"run_id": ',
    });
    expect([notJson.status, (notJson.json as { error_code: string }).error_code]).toEqual([
      400,
      'INVALID_PARAMETER_VALUE',
    ]);

    const unknown = await post(stack.apiUrl, 'runs/log-model', { run_id: 'x' });
    expect([unknown.status, (unknown.json as { error_code: string }).error_code]).toEqual([404, 'ENDPOINT_NOT_FOUND']);

    // The AccessGuard's refusals, in MLflow's shape too.
    const noToken = await post(stack.apiUrl, 'experiments/search', {}, null);
    expect([noToken.status, noToken.json]).toMatchObject([401, { error_code: 'UNAUTHENTICATED' }]);
    const viewer = await createAccount(stack, 'viewer');
    await grantRole(stack, await teamId(stack, DEMO_TEAM), viewer.email, 'viewer');
    const readOnly = await post(stack.apiUrl, 'experiments/create', { name: 'not-mine' }, viewer.apiKey);
    expect([readOnly.status, readOnly.json]).toMatchObject([403, { error_code: 'PERMISSION_DENIED' }]);
    const read = await post(stack.apiUrl, 'experiments/search', { filter: "name = 'cifar-sweep'" }, viewer.apiKey);
    const [cifar] = (read.json as { experiments: { name: string; experiment_id: string }[] }).experiments;
    expect(cifar?.name).toBe('cifar-sweep');

    // Another team's key sees none of it: every run of team demo reads as missing, as MLflow's own 404.
    const outsider = await createAccount(stack, 'outsider');
    await createTeam(stack, outsider.as, 'elsewhere');
    const demoRun = (
      (await post(stack.apiUrl, 'runs/search', { experiment_ids: [cifar?.experiment_id] })).json as {
        runs: { info: { run_id: string } }[];
      }
    ).runs[0]?.info.run_id;
    expect(demoRun).toBeDefined();
    // A search names experiments it may not see: no run, as MLflow's server answers an id it does not have.
    const searched = await post(
      stack.apiUrl,
      'runs/search',
      { experiment_ids: [cifar?.experiment_id] },
      outsider.apiKey,
    );
    expect([searched.status, (searched.json as { runs: unknown[] }).runs]).toEqual([200, []]);
    for (const [path, body] of [
      ['runs/log-metric', { run_id: demoRun, key: 'x', value: 1, timestamp: 1 }],
      ['runs/update', { run_id: demoRun, status: 'FAILED' }],
      ['runs/delete', { run_id: demoRun }],
    ] as const) {
      const refused = await post(stack.apiUrl, path, body, outsider.apiKey);
      expect([path, refused.status, (refused.json as { error_code: string }).error_code]).toEqual([
        path,
        404,
        'RESOURCE_DOES_NOT_EXIST',
      ]);
    }
    const outsiderGet = await callApi(stack, 'GET', `/api/2.0/mlflow/runs/get?run_id=${demoRun}`, {
      token: outsider.apiKey,
    });
    expect([outsiderGet.status, outsiderGet.json]).toMatchObject([404, { error_code: 'RESOURCE_DOES_NOT_EXIST' }]);
  });

  it('asks a caller in several teams to name one in the tracking URI, and logs into the team it names', async () => {
    await createTeam(stack, researcher.as, 'vision');
    const unnamed = await callApi(stack, 'POST', '/api/2.0/mlflow/experiments/search', {
      token: researcher.apiKey,
      body: {},
    });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((unnamed.json as { message: string }).message).toContain('several teams (demo, vision)');
    expect((unnamed.json as { message: string }).message).toContain('/mlflow/<team>');

    const named = printed<Probe>(
      await python('probes.py', ['log-one'], reslabEnv(researcher.apiKey, `${stack.apiUrl}/mlflow/vision`)),
    );
    expect(named['log-one']?.ok).toEqual({ run_id_matches: true, loss: { loss: 0.5 } });
    const page = await api<{ items: { project: string; experiment: string }[] }>(
      stack,
      'GET',
      '/external-runs?project=vision/mlflow',
      undefined,
      researcher.as,
    );
    expect(page.body.items.map((r) => [r.project, r.experiment])).toEqual([['vision/mlflow', 'probe-team']]);

    // A member of one team who is a viewer in the team the URI names passes the guard (member somewhere) but may
    // not write there.
    const guest = await createAccount(stack, 'guest');
    await createTeam(stack, guest.as, 'guest-lab');
    await grantRole(stack, await teamId(stack, DEMO_TEAM), guest.email, 'viewer');
    for (const [path, body] of [
      ['experiments/create', { name: 'guest-experiment' }],
      ['runs/create', { experiment_id: '0' }],
    ] as const) {
      const refused = await callApi(stack, 'POST', `/mlflow/${DEMO_TEAM}/api/2.0/mlflow/${path}`, {
        token: guest.apiKey,
        body,
      });
      expect([path, refused.status, refused.json]).toMatchObject([
        path,
        403,
        { error_code: 'PERMISSION_DENIED', message: expect.stringContaining("member role in team 'demo'") },
      ]);
    }
  });
});
