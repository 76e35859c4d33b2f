import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EpochMetricDto,
  type ExternalRunDto,
  type MetricHistoryDto,
  RunEventMessage,
  STREAM,
} from '@reslab/contracts';
import type { Browser } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { type Dashboard, signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { requireFashionMnist } from '../support/datasets.js';
import { FASHION_MNIST_CLASSES } from '../support/external-runs.js';
import { openStream, subscribeRoom } from '../support/identity.js';
import { REPO_ROOT } from '../support/paths.js';
import { type ManagedProcess, startProcess, waitFor } from '../support/processes.js';
import { api, type Stack } from '../support/stack.js';

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
const SCRIPTS = join(REPO_ROOT, 'test', 'sdk');
/** The JSON lines a script printed on stdout (the SDK's own notes go to stderr, prefixed `reslab:`). */
function printed(process: ManagedProcess): Record<string, unknown>[] {
  return process
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the Python SDK (reslab.init / log / log_epoch), real orchestrator, real Fashion-MNIST', () => {
  let stack: Stack;
  let dashboard: Dashboard;
  let browser: Browser;
  let spoolDir: string;
  let configHome: string;
  const sockets: Socket[] = [];

  const scripts: ManagedProcess[] = [];
  /** A script under test/sdk as a user runs it: .venv's python, the key and orchestrator from the environment. */
  const script = (name: string, args: string[], spool = spoolDir) => {
    const process = startProcess(PYTHON, [join(SCRIPTS, name), ...args], {
      RESLAB_API_URL: stack.apiUrl,
      RESLAB_API_KEY: stack.admin.apiKey,
      RESLAB_SPOOL_DIR: spool,
      XDG_CONFIG_HOME: configHome, // no `reslab login` file of whoever runs the tests
      PYTHONUNBUFFERED: '1',
    });
    scripts.push(process);
    return process;
  };

  const history = async (runId: string, key: string) =>
    (await api<MetricHistoryDto>(stack, 'GET', `/external-runs/${runId}/metric-history?key=${key}`)).body.points;

  beforeAll(async () => {
    requireFashionMnist();
    ({ stack, dashboard } = await startStackWithDashboard('reslab_sdk'));
    browser = await launchChromium();
    spoolDir = mkdtempSync(join(tmpdir(), 'reslab-sdk-spool-'));
    configHome = mkdtempSync(join(tmpdir(), 'reslab-sdk-config-'));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all(scripts.map((p) => p.stop('SIGKILL'))); // a failed test's script, still training
    await browser?.close();
    await dashboard?.process.stop();
    await stack?.stop();
    rmSync(spoolDir, { recursive: true, force: true });
    rmSync(configHome, { recursive: true, force: true });
  });

  it("the course's train_step loop logs with three added lines; its epochs stream live and are stored as it computed them", async () => {
    const source = readFileSync(join(SCRIPTS, 'course_loop.py'), 'utf8');
    expect(source.split('\n').filter((line) => line.endsWith('# ResLab'))).toHaveLength(3);

    const loop = script('course_loop.py', ['1000', '500', '4']);
    const runId = await waitFor('the SDK to name its run', async () => {
      if (loop.child.exitCode !== null) throw new Error(`the script exited early:\n${loop.output()}`);
      return /reslab: run ([0-9a-f-]{36})/.exec(loop.output())?.[1];
    });
    let running = true;
    void loop.exited.then(() => {
      running = false;
    });
    const socket = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(socket);
    const live: { epoch: number; whileRunning: boolean }[] = [];
    socket.on(STREAM.runEvent, (raw: unknown) => {
      const event = RunEventMessage.parse(raw);
      if (event.type === 'epoch_metric') live.push({ epoch: event.payload.epoch, whileRunning: running });
    });
    // An external run's own room (its snapshot is an ExternalRunDto); its epochs arrive as an engine run's do.
    const ack = await subscribeRoom(socket, { kind: 'externalRun', id: runId });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);

    // And on the dashboard: the run's page, opened while it trains, takes its epochs in as they come.
    const context = await signedInContext(browser, stack.apiUrl, dashboard.url, stack.admin);
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/external/${runId}`);
    await page.locator('[data-testid="external-summary"]').waitFor();
    const rowsWhenOpened = await page.locator('[data-testid="metric-row"]').count();

    expect(await loop.exited, loop.output()).toBe(0);
    const computed = printed(loop) as { epoch: number; loss: number; accuracy: number }[];
    expect(computed.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // Seen on the socket while the script was still training: the live view, not a replay after the fact.
    expect(live.filter((e) => e.whileRunning).length, JSON.stringify(live)).toBeGreaterThan(0);
    await waitFor('every epoch on the socket', async () => (live.length >= 3 ? true : undefined), 10_000);

    const { status, body: rows } = await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`);
    expect(status).toBe(200);
    expect(rows.map((r) => [r.epoch, r.split])).toEqual(computed.map((e) => [e.epoch, 'test']));
    for (const [i, row] of rows.entries()) {
      const mine = computed[i] as { loss: number; accuracy: number };
      expect(row.loss).toBe(mine.loss);
      expect(row.accuracy).toBe(mine.accuracy);
      // The confusion matrix holds all 500 test images, its diagonal the right ones, per class as its rows.
      const confusion = row.confusion as number[][];
      expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
      expect(confusion.reduce((right, r, k) => right + (r[k] as number), 0) / 500).toBe(mine.accuracy);
      expect(row.perClass.map((c) => c.support)).toEqual(confusion.map((r) => r.reduce((a, b) => a + b, 0)));
    }

    const run = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${runId}`)).body;
    expect(run).toMatchObject({ source: 'sdk', status: 'succeeded', experiment: 'course' });
    expect(run.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(run.params).toMatchObject({ lr: '0.01', momentum: '0.9' });
    // Finished by the SDK's exit hook, everything sent: nothing is left in the spool.
    expect(readdirSync(spoolDir)).not.toContain(runId);

    // Opened before the last epoch, the page took the rest in without a reload.
    expect(rowsWhenOpened).toBeLessThan(4);
    await waitFor(
      'the page to show all four epochs',
      async () => ((await page.locator('[data-testid="metric-row"]').count()) === 4 ? true : undefined),
      20_000,
    );
    await expect(page.locator('[data-testid="class-name"]').allTextContents()).resolves.toEqual(FASHION_MNIST_CLASSES);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'sdk-course-loop.png'), fullPage: true });
    await context.close();
  }, 150_000);

  it('an orchestrator stopped (SIGSTOP) and then killed mid-run: log() never blocks, and every point arrives exactly once', async () => {
    const steps = 400;
    const logger = script('log_steps.py', [String(steps), '0.02', '90']);
    const runId = await waitFor('the script to start its run', async () => {
      if (logger.child.exitCode !== null) throw new Error(`the script exited early:\n${logger.output()}`);
      return (printed(logger).find((line) => line.started)?.started as string | undefined) ?? undefined;
    });
    await waitFor('its first points stored', async () => ((await history(runId, 'loss')).length ? true : undefined));

    // Frozen: the kernel still accepts connections, nothing answers; the SDK's request waits for its read timeout.
    stack.orchestrator.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stack.orchestrator.child.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Gone: connections refused until a new process listens on the same port.
    await stack.stopOrchestrator('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await stack.startOrchestrator();

    expect(await logger.exited, logger.output()).toBe(0);
    const report = printed(logger).find((line) => line.run) as {
      run: string;
      maxLogSeconds: number;
      finished: boolean;
      epoch: EpochMetricDto;
    };
    expect(report.finished, logger.output()).toBe(true);
    // The SDK saw the outage (the kill: connections refused), spooled, and said when it was over.
    expect(logger.output()).toMatch(/did not take run .* logs \(.*\); spooling them to/);
    expect(logger.output()).toMatch(/answers again after \d+ s/);
    // A bound on blocking, not a timing benchmark: the slowest log() call of 400, through both outages.
    expect(report.maxLogSeconds).toBeLessThan(1);

    const loss = await history(runId, 'loss');
    const progress = await history(runId, 'progress');
    expect(loss.map((p) => p.step)).toEqual([...Array(steps).keys()]);
    expect(loss.map((p) => p.value)).toEqual([...Array(steps).keys()].map((step) => 1 / (step + 1)));
    expect(progress.map((p) => p.value)).toEqual([...Array(steps).keys()].map((step) => step / steps));

    const rows = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`)).body;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ...report.epoch, top5: null });
    const run = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${runId}`)).body;
    expect(run.status).toBe('succeeded');
    expect(readdirSync(spoolDir)).not.toContain(runId);
  }, 120_000);

  it('a script that exits while the orchestrator is down leaves a spool that `python -m reslab sync` uploads', async () => {
    const offlineSpool = join(spoolDir, 'offline'); // this script's spool alone, whatever the others left
    await stack.stopOrchestrator();
    const offline = script('log_steps.py', ['50', '0', '1'], offlineSpool);
    expect(await offline.exited, offline.output()).toBe(0);
    const report = printed(offline).find((line) => line.run) as { run: string; finished: boolean; epoch: unknown };
    expect(report.finished).toBe(false);
    expect(offline.output()).toContain('python -m reslab sync');
    expect(readdirSync(offlineSpool)).toContain(report.run);

    await stack.startOrchestrator();
    const sync = startProcess(PYTHON, ['-m', 'reslab', 'sync'], {
      RESLAB_API_KEY: stack.admin.apiKey,
      RESLAB_SPOOL_DIR: offlineSpool,
      XDG_CONFIG_HOME: configHome,
    });
    expect(await sync.exited, sync.output()).toBe(0);
    expect(sync.output()).toContain(`${report.run}: uploaded to ${stack.apiUrl}`);
    expect(readdirSync(offlineSpool)).not.toContain(report.run);

    const run = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${report.run}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', experiment: 'outage', classNames: ['cat', 'dog', 'bird'] });
    const loss = await history(report.run, 'loss');
    expect(loss.map((p) => p.value)).toEqual([...Array(50).keys()].map((step) => 1 / (step + 1)));
    const rows = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${report.run}/metrics`)).body;
    expect(rows).toEqual([expect.objectContaining(report.epoch as object)]);

    // Run again, sync finds nothing left to send.
    const again = startProcess(PYTHON, ['-m', 'reslab', 'sync'], {
      RESLAB_API_KEY: stack.admin.apiKey,
      RESLAB_SPOOL_DIR: offlineSpool,
      XDG_CONFIG_HOME: configHome,
    });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('nothing spooled');
  }, 120_000);

  it('init(id=..., resume=True) runs an ended run again, continues its steps, and ends it again', async () => {
    const created = await api<ExternalRunDto>(stack, 'POST', '/external-runs', { experiment: 'resumed' });
    const runId = created.body.id;
    const metrics = [...Array(5).keys()].map((step) => ({ key: 'loss', value: 1 / (step + 1), step, timestamp: 1 }));
    await api(stack, 'POST', `/external-runs/${runId}/log`, { metrics });
    const ended = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${runId}/end`, {
      status: 'failed',
      endTime: 1_700_000_000_000,
    });
    expect(ended.body.status).toBe('failed');

    const resumed = script('resume_run.py', [runId]);
    expect(await resumed.exited, resumed.output()).toBe(0);
    expect(resumed.output()).toContain(`run ${runId} resumed at step 5`);
    expect(printed(resumed)).toEqual([{ run: runId, epoch: 1, finished: true }]);
    expect((await history(runId, 'loss')).map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5]);
    const run = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${runId}`)).body;
    expect(run.status).toBe('succeeded');
    expect(Date.parse(run.finishedAt ?? '')).toBeGreaterThan(1_700_000_000_000);
    const rows = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`)).body;
    expect(rows.map((r) => [r.epoch, r.split])).toEqual([[1, 'test']]);
  }, 60_000);
});
