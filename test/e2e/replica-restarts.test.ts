import type { ClaimResponse, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Replica, startReplica } from '../support/replicas.js';
import { tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack } from '../support/stack.js';

const LEASE_SECONDS = 8;

/**
 * An orchestrator that starts gives every running run a whole lease, since no worker could renew one while it was
 * down. Beside a replica that kept answering, that reasoning does not hold: a replica restarting again and again
 * (a crash loop, a rolling deploy) would postpone for good the requeue of a run whose worker died. The test plays
 * two workers on replica A: one keeps beating, the other claims a run and goes silent. Replica B restarts as fast
 * as it can; the silent worker's run must still go back to the queue while B is restarting.
 */
describe('a restarting replica does not postpone a dead worker’s lease (real orchestrators, real Postgres)', () => {
  let stack: Stack;
  let replica: Replica | null = null;

  beforeAll(async () => {
    stack = await startStack('reslab_replica_restarts', { leaseSeconds: LEASE_SECONDS });
  });

  afterAll(async () => {
    await replica?.process.stop();
    await stack?.stop();
  });

  it('requeues the silent worker’s run one lease after its last beat, while replica B keeps restarting', async () => {
    const alive = await enrolTestWorker(stack, 'alive');
    const silent = await enrolTestWorker(stack, 'silent');
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig() });
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${silent.id}/claim`, undefined, {
      token: silent.secret,
    });
    expect(claim.body.assignment?.runId).toBe(run.id);

    let beating = true;
    const beats = (async () => {
      while (beating) {
        const beat = await api(stack, 'POST', `/workers/${alive.id}/heartbeat`, { runs: [] }, { token: alive.secret });
        expect(beat.status).toBe(200);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    const deadline = Date.now() + 6 * LEASE_SECONDS * 1000;
    let restarts = 0;
    let status = 'running';
    while (status === 'running' && Date.now() < deadline) {
      await replica?.process.stop();
      replica = await startReplica(stack, { leaseSeconds: LEASE_SECONDS });
      restarts++;
      status = (await api<RunDto>(stack, 'GET', `/runs/${run.id}`)).body.status;
    }
    beating = false;
    await beats;
    expect(status, `after ${restarts} restarts of replica B`).toBe('queued');
    expect(restarts, 'replica B restarted while the lease ran out').toBeGreaterThan(1);
  }, 120_000);
});
