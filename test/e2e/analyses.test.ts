import {
  type AnalysisDetailDto,
  type AnalysisList,
  type AnalysisSnapshot,
  parseSubscribeAck,
  type RunDto,
  RunEventMessage,
  type RunPage,
  STREAM,
} from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reslab } from '../support/cli.js';
import { openStream, subscribeRoom } from '../support/identity.js';
import { query } from '../support/postgres.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import { analysisWhen, ENGINE_ENV, FINISHED, pidsOf, runWhen, tinyConfig } from '../support/runs.js';
import { api, refusal, type Stack, startStack } from '../support/stack.js';

const failures = (a: AnalysisDetailDto) => a.jobs.map((j) => `chunk ${j.chunk}: ${j.failureReason}`).join('\n');

/** The (i, j) of every landscape point stored, once per point it was stored. */
function gridCells(analysis: AnalysisDetailDto): string[] {
  return analysis.parts
    .flatMap(({ data }) => (data.section === 'landscape.points' ? data.points : []))
    .map((p) => `${p.i},${p.j}`)
    .sort();
}

function allCells(resolution: number): string[] {
  const cells: string[] = [];
  for (let i = 0; i < resolution; i++) for (let j = 0; j < resolution; j++) cells.push(`${i},${j}`);
  return cells.sort();
}

describe('analysis jobs: queued, leased, resumed and cancelled like runs (real engine, worker, Postgres)', () => {
  let stack: Stack;
  const workers = new Map<string, ManagedProcess>();
  let trained: RunDto;

  beforeAll(async () => {
    stack = await startStack('reslab_analyses', { leaseSeconds: 3 });
    for (const name of ['analysis-a', 'analysis-b']) {
      workers.set(name, await stack.startWorker(name, { env: ENGINE_ENV }));
    }
    // With both diagnostics on, so the log holds every kind of event the stream carries (last test).
    const config = tinyConfig({ diagnostics: { gradFlowBatches: 1, curvatureEvery: 1, curvatureImages: 32 } });
    const run = (await api<RunDto>(stack, 'POST', '/runs', { name: 'analysed', config })).body;
    trained = await runWhen(stack, run.id, (r) => FINISHED.includes(r.status), 120_000);
    expect(trained.status, `${trained.failureReason}\n${trained.stderrTail}`).toBe('succeeded');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses bad requests, naming the field, and analyses of runs that have not finished training', async () => {
    const post = (runId: string, body: unknown) => api(stack, 'POST', `/runs/${runId}/analyses`, body);
    const bad = [
      [{ kind: 'autopsy' }, 'kind'],
      [{ kind: 'landscape', params: { resolution: 4 } }, 'params.resolution'],
      [{ kind: 'landscape', params: { resolution: 5, chunks: 6 } }, 'params.chunks'],
      [{ kind: 'lesion', params: { evalImages: 'all' } }, 'params.evalImages'],
      [{ kind: 'curvature', params: { probes: 0 } }, 'params.probes'],
    ] as const;
    for (const [body, field] of bad) {
      const answer = await post(trained.id, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(answer.body), JSON.stringify(body)).toContain(field);
    }
    const queued = (await api<RunDto>(stack, 'POST', '/runs', { name: 'not yet', config: tinyConfig({ epochs: 30 }) }))
      .body;
    const early = await post(queued.id, { kind: 'lesion' });
    expect(early.status).toBe(409);
    expect(JSON.stringify(early.body)).toMatch(/needs a run that finished training/);
    await api(stack, 'POST', `/runs/${queued.id}/cancel`);
    expect((await refusal(stack, '/analyses/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('splits a landscape into chunks any worker takes, streams every part live, and never computes a finished grid twice', async () => {
    const resolution = 7;
    const spec = { kind: 'landscape', params: { resolution, chunks: 3, evalImages: 200 } };
    const created = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${trained.id}/analyses`, spec);
    expect(created.status).toBe(201);
    expect(created.body.jobs).toHaveLength(3);

    // From event 0: whatever the jobs did before this subscribe is replayed, the rest arrives live.
    const socket = openStream(stack, { token: stack.admin.apiKey });
    const streamed: RunEventMessage[] = [];
    socket.on(STREAM.runEvent, (event: RunEventMessage) => streamed.push(event));
    const ack = parseSubscribeAck('analysis', await subscribeRoom(socket, { kind: 'analysis', id: created.body.id }));
    expect(ack.success && ack.data.ok).toBe(true);
    const snapshot = (ack.success && ack.data.ok ? ack.data.snapshot : null) as AnalysisSnapshot;
    expect(snapshot.id).toBe(created.body.id);

    const done = await analysisWhen(stack, created.body.id);
    expect(done.status, failures(done)).toBe('succeeded');
    expect(gridCells(done), 'every grid point exactly once').toEqual(allCells(resolution));
    const setup = done.parts.find((p) => p.data.section === 'landscape.setup')?.data;
    const center = done.parts
      .flatMap(({ data }) => (data.section === 'landscape.points' ? data.points : []))
      .find((p) => p.i === (resolution - 1) / 2 && p.j === (resolution - 1) / 2);
    expect(setup?.section === 'landscape.setup' && center?.loss).toBeCloseTo(
      setup?.section === 'landscape.setup' ? setup.centerLoss : Number.NaN,
      6,
    );

    // The stream saw each part once it was stored: the snapshot's parts plus the events cover every part.
    await waitFor('the last part on the stream', async () =>
      new Set([
        ...snapshot.parts.map((p) => p.part),
        ...streamed.flatMap((e) => (e.type === 'analysis_part' ? [e.payload.part] : [])),
      ]).size === done.parts.length
        ? true
        : undefined,
    );
    expect(streamed.every((e) => e.analysisId === created.body.id)).toBe(true);
    expect(streamed.some((e) => e.type === 'status' && e.payload.status === 'succeeded')).toBe(true);
    socket.close();

    // The same request again is the same analysis: 200, the same jobs, nothing queued.
    const again = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${trained.id}/analyses`, spec);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.jobs.map((j) => [j.runId, j.attempt, j.status])).toEqual(
      done.jobs.map((j) => [j.runId, j.attempt, j.status]),
    );

    // Jobs are runs, but not training runs: the runs list does not show them.
    const { body: page } = await api<RunPage>(stack, 'GET', '/runs?limit=100');
    const jobIds = new Set(done.jobs.map((j) => j.runId));
    expect(page.items.some((r) => jobIds.has(r.id))).toBe(false);
    const { body: list } = await api<AnalysisList>(stack, 'GET', `/runs/${trained.id}/analyses`);
    expect(list.items.map((a) => a.id)).toContain(created.body.id);
  });

  it('a worker killed mid-job: the chunk goes back to the queue and resumes on the other worker from the parts it kept', async () => {
    const resolution = 11;
    const spec = { kind: 'landscape', params: { resolution, chunks: 1, evalImages: 400, seed: 1 } };
    const { body: created } = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${trained.id}/analyses`, spec);
    const job = created.jobs[0];
    if (!job) throw new Error('no job');
    // Setup and at least one row stored, most of the grid left.
    const midway = await analysisWhen(stack, created.id, (a) => (a.jobs[0]?.done ?? 0) >= 2, 60_000);
    const holderId = midway.jobs[0]?.workerId;
    const { body: workerList } = await api<{ id: string; name: string }[]>(stack, 'GET', '/workers');
    const holderName = workerList.find((w) => w.id === holderId)?.name ?? '';
    const holder = workers.get(holderName);
    expect(holder, `holder ${holderId} is one of ours`).toBeDefined();
    const engines = pidsOf(job.runId);
    holder?.child.kill('SIGKILL');
    for (const pid of engines) process.kill(pid, 'SIGKILL');
    await holder?.exited;
    const keptBefore = (await api<AnalysisDetailDto>(stack, 'GET', `/analyses/${created.id}`)).body.parts.length;
    expect(keptBefore, 'killed before the job could finish').toBeLessThan(resolution + 1);

    const done = await analysisWhen(stack, created.id, undefined, 120_000);
    expect(done.status, failures(done)).toBe('succeeded');
    expect(done.jobs[0]?.attempt).toBe(2);
    expect(done.jobs[0]?.workerId).not.toBe(holderId);
    expect(gridCells(done)).toEqual(allCells(resolution));
    const { body: rerun } = await api<RunDto>(stack, 'GET', `/runs/${job.runId}`);
    const already = Number(/(\d+) already done/.exec(rerun.stderrTail ?? '')?.[1] ?? 0);
    expect(already, 'the second attempt kept what the first stored').toBeGreaterThanOrEqual(keptBefore);
    workers.set(holderName, await stack.startWorker(holderName, { env: ENGINE_ENV }));
  }, 180_000);

  it('cancel stops a running analysis between units; asking again requeues only the cancelled chunk, which keeps its parts', async () => {
    const spec = { kind: 'curvature', params: { evalImages: 400, batches: 8, iterations: 40, probes: 24 } };
    const { body: created } = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${trained.id}/analyses`, spec);
    await analysisWhen(stack, created.id, (a) => (a.jobs[0]?.done ?? 0) >= 1, 60_000);
    const cancelled = await api<AnalysisDetailDto>(stack, 'POST', `/analyses/${created.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const stopped = await analysisWhen(stack, created.id, undefined, 60_000);
    expect(stopped.status).toBe('cancelled');
    const kept = stopped.parts.length;
    expect(kept).toBeGreaterThanOrEqual(1);

    const again = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${trained.id}/analyses`, spec);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.id);
    const done = await analysisWhen(stack, created.id, undefined, 120_000);
    expect(done.status, failures(done)).toBe('succeeded');
    expect(done.parts.some((p) => p.data.section === 'curvature.estimate')).toBe(true);
    const { body: rerun } = await api<RunDto>(stack, 'GET', `/runs/${created.jobs[0]?.runId}`);
    expect(Number(/(\d+) already done/.exec(rerun.stderrTail ?? '')?.[1] ?? 0)).toBeGreaterThanOrEqual(kept);
  }, 180_000);

  it('the CLI launches an analysis, waits for it and prints what it found', async () => {
    const result = await reslab(stack, ['analyze', trained.id, '--kind', 'cost', '--wait'], 90_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/analysis [0-9a-f-]{36}: cost of run/);
    expect(result.stdout).toMatch(/run resnet8.*params/);
    expect(result.stdout).toMatch(/twin .*params/);
    const id = /analysis ([0-9a-f-]{36})/.exec(result.stdout)?.[1] as string;
    const listed = await reslab(stack, ['analyses', 'ls', trained.id]);
    expect(listed.stdout).toContain(id);
    const shown = await reslab(stack, ['analyses', 'show', id, '--json']);
    const parsed = JSON.parse(shown.stdout) as AnalysisDetailDto;
    expect(parsed.parts.map((p) => p.data.section).sort()).toEqual(['cost.course', 'cost.model', 'cost.model']);
    const bad = await reslab(stack, ['analyze', trained.id, '--kind', 'landscape', '--set', 'resolution=4']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/resolution/);
  }, 120_000);

  it('logs every event as the contract reads it: epoch metrics, gradient flow, curvature, statuses and analysis parts', async () => {
    const rows = await query<{
      id: string;
      runId: string;
      sweepId: string | null;
      analysisId: string | null;
      type: string;
      payload: unknown;
      time: string;
    }>(
      stack.db.url,
      `SELECT id::text AS id, "runId", "sweepId", "analysisId", type, payload, to_json("createdAt")#>>'{}' AS time
         FROM "RunEvent" ORDER BY id`,
    );
    const unreadable = rows
      .map((row) => ({ row, parsed: RunEventMessage.safeParse({ ...row, time: new Date(row.time).toISOString() }) }))
      .filter(({ parsed }) => !parsed.success)
      .map(
        ({ row, parsed }) =>
          `${row.type} ${row.id}: ${parsed.error?.issues[0]?.path.join('.')} ${parsed.error?.issues[0]?.message}`,
      );
    expect(unreadable).toEqual([]);
    expect(new Set(rows.map((r) => r.type))).toEqual(
      new Set(['status', 'epoch_metric', 'grad_flow', 'curvature', 'analysis_part']),
    );
  });
});
