import { describe, expect, it } from 'vitest';
import { parseRunQueue, runQueueOf } from '../src/queue/run-queue.service.js';
import { nodesOf, slotsOf } from '../src/queue/run-slots.js';
import { resourcesRefusal } from '../src/runs/run-fit.js';
import { isGangNodeOf, nodeOf } from '../src/runs/run-gang.service.js';

const team = '3f2b8c1e-9d4a-4c6b-8e7f-1a2b3c4d5e6f';
const [w0, w1] = ['00000000-0000-4000-8000-000000000000', '11111111-1111-4111-8111-111111111111'];

describe('run sizes and their queues', () => {
  it('holds resources.gpus slots on resources.nodes workers; an analysis job and an old config one of each', () => {
    expect(slotsOf({ config: { resources: { gpus: 4, nodes: 2 } } })).toBe(4);
    expect(nodesOf({ config: { resources: { gpus: 4, nodes: 2 } } })).toBe(2);
    expect(slotsOf({ kind: 'analysis', config: { resources: { gpus: 4, nodes: 2 } } })).toBe(1);
    expect(nodesOf({ kind: 'analysis', config: { resources: { gpus: 4, nodes: 2 } } })).toBe(1);
    expect(slotsOf({ config: {} })).toBe(1);
  });

  it('names one queue per team and size, the 1-slot one as before sizes existed, and reads the names back', () => {
    expect(runQueueOf(team)).toBe(`runs_${team}`);
    expect(runQueueOf(team, 1)).toBe(`runs_${team}`);
    expect(runQueueOf(team, 8)).toBe(`runs_${team}_g8`);
    expect(parseRunQueue(runQueueOf(team, 8))).toEqual({ teamId: team, slots: 8 });
    expect(parseRunQueue(runQueueOf(team))).toEqual({ teamId: team, slots: 1 });
    expect(parseRunQueue('lease-check')).toBeNull();
  });
});

describe('resourcesRefusal: a run no worker seen could hold', () => {
  const fits = (gpus: number, nodes: number, slots: number[]) => resourcesRefusal([{ gpus, nodes }], slots);

  it('accepts anything before any worker registered', () => {
    expect(fits(64, 64, [])).toBeNull();
  });

  it('names config.resources.gpus beyond the largest worker, and says how large that is', () => {
    expect(fits(4, 1, [2, 1])).toEqual({
      path: 'config.resources.gpus',
      message: expect.stringContaining('the largest worker seen for this team has 2 slots'),
    });
    expect(fits(2, 1, [2, 1])).toBeNull();
  });

  it('names config.resources.nodes beyond the workers that large', () => {
    expect(fits(2, 2, [2, 1])?.path).toBe('config.resources.nodes');
    expect(fits(1, 2, [2, 1])).toBeNull();
    expect(fits(2, 2, [2, 4])).toBeNull();
  });
});

describe('a gang: which worker is which node of the current attempt', () => {
  const gang = { attempt: 3, masterAddr: 'node0', masterPort: 29501, workerIds: [w0, w1], delivered: [] };

  it('gives each worker its rank, and no node for an earlier attempt or a worker outside the gang', () => {
    const run = { gang, attempt: 3, status: 'running' };
    expect(nodeOf(run, w1)).toEqual({ nodeRank: 1, nodes: 2, masterAddr: 'node0', masterPort: 29501 });
    expect(nodeOf(run, w0)?.nodeRank).toBe(0);
    expect(nodeOf({ ...run, attempt: 4 }, w1)).toBeNull();
    expect(nodeOf({ ...run, gang: null }, w1)).toBeNull();
  });

  it('lets a node of rank > 0 hold the running attempt without owning it', () => {
    const run = { gang, attempt: 3, status: 'running' };
    expect(isGangNodeOf(run, { workerId: w1, attempt: 3 })).toBe(true);
    expect(isGangNodeOf(run, { workerId: w0, attempt: 3 })).toBe(false);
    expect(isGangNodeOf(run, { workerId: w1, attempt: 2 })).toBe(false);
    expect(isGangNodeOf({ ...run, status: 'queued' }, { workerId: w1, attempt: 3 })).toBe(false);
  });
});
