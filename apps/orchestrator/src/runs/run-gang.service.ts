import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type NodeAssignment, type RunAssignment, type RunConfig, RunGang } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import { Prisma, type Run } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { nodesOf, SLOTS_OF_RUN_SQL, slotsOf } from '../queue/run-slots.js';

/**
 * torchrun's rendezvous port on node 0's host, drawn per attempt from this range (torchrun's default is 29500).
 * A port taken there fails the attempt's rendezvous, and the run is retried like any failed attempt.
 */
const MASTER_PORTS = { from: 29500, count: 500 };

function gangOf(run: { gang: Prisma.JsonValue | null }): RunGang | null {
  const parsed = RunGang.safeParse(run.gang);
  return parsed.success ? parsed.data : null;
}

/** `workerId`'s node of a multi-node run's current attempt, or null when it is not one of its nodes. */
export function nodeOf(
  run: { gang: Prisma.JsonValue | null; attempt: number },
  workerId: string,
): NodeAssignment | null {
  const gang = gangOf(run);
  const nodeRank = gang?.workerIds.indexOf(workerId) ?? -1;
  if (!gang || gang.attempt !== run.attempt || nodeRank < 0) return null;
  return { nodeRank, nodes: gang.workerIds.length, masterAddr: gang.masterAddr, masterPort: gang.masterPort };
}

/** Whether `writer` runs a node of rank > 0 of the run's current attempt: it holds the attempt without owning it. */
export function isGangNodeOf(
  run: { status: string; gang: Prisma.JsonValue | null; attempt: number },
  writer: { workerId: string; attempt: number },
): boolean {
  const node = nodeOf(run, writer.workerId);
  return run.status === 'running' && run.attempt === writer.attempt && node !== null && node.nodeRank > 0;
}

/**
 * Multi-node runs (resources.nodes > 1) as a gang of workers, in Determined's shape: the orchestrator, as
 * Determined's master, picks the workers and gives each its node rank and the rendezvous address (node 0's host);
 * each worker, as Determined's agent, runs torchrun with them. Node 0's worker claims the run and owns its status,
 * lease, events and checkpoints; the other nodes receive their assignment on their next claim and hold it through
 * their heartbeats, which stop them when the attempt ends (a cancel, a requeue). When a node's engine or worker
 * dies, torchrun on node 0 fails too, and the run fails or is requeued as a single-node run would.
 */
@Injectable()
export class RunGangService {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * All or nothing, in one transaction: picks `nodes - 1` other live, non-draining, unrevoked workers of the run's
   * team (or shared) with `gpus` free slots, records the gang on the run and claims it for `workerId` as node 0.
   * 'too-few-workers' when there are not enough (nothing is held); null when the run was no longer queued.
   */
  async form(
    run: Run,
    workerId: string,
    claim: Prisma.RunUncheckedUpdateManyInput,
    expected: Prisma.RunWhereInput,
    leaseSeconds: number,
  ): Promise<Run | 'too-few-workers' | null> {
    const peersNeeded = nodesOf(run) - 1;
    return this.prisma.$transaction(async (tx) => {
      const [me] = await tx.$queryRaw<{ host: string }[]>`SELECT host FROM "Worker" WHERE id = ${workerId}::uuid`;
      // A peer is live when it heartbeat within a lease (it beats three times a lease). Its free slots are counted
      // from what it holds, as node 0 or another gang's node; SKIP LOCKED keeps two gangs forming at once apart.
      const peers = await tx.$queryRawUnsafe<{ id: string }[]>(
        `SELECT w.id::text AS id FROM "Worker" w
          WHERE w.id <> $1::uuid AND w."revokedAt" IS NULL AND NOT w.draining
            AND w."lastHeartbeatAt" > now() - make_interval(secs => $2)
            AND (w."teamId" = $3::uuid OR w."teamId" IS NULL)
            AND w.slots - COALESCE((SELECT sum(${SLOTS_OF_RUN_SQL}) FROM "Run" r
                  WHERE r.status = 'running'
                    AND (r."workerId" = w.id OR jsonb_exists(COALESCE(r.gang->'workerIds', '[]'), w.id::text))), 0) >= $4
          ORDER BY w."lastHeartbeatAt" DESC, w.id
          LIMIT $5
          FOR UPDATE OF w SKIP LOCKED`,
        workerId,
        leaseSeconds,
        run.teamId,
        slotsOf(run),
        peersNeeded,
      );
      if (!me || peers.length < peersNeeded) return 'too-few-workers';
      const gang: RunGang = {
        attempt: run.attempt + 1,
        masterAddr: me.host,
        masterPort: MASTER_PORTS.from + randomInt(MASTER_PORTS.count),
        workerIds: [workerId, ...peers.map((p) => p.id)],
        delivered: [],
      };
      const [claimed] = await tx.run.updateManyAndReturn({
        where: { id: run.id, attempt: run.attempt, ...expected },
        data: { ...claim, gang },
      });
      if (claimed) logger.info({ runId: run.id, gang }, 'gang formed');
      return claimed ?? null;
    });
  }

  /**
   * The node of a gang that waits for `workerId`, marked delivered; null when one waits but needs more slots than
   * are free (the worker claims nothing else until it fits); undefined when none waits.
   */
  async waitingNode(
    workerId: string,
    freeSlots: number,
    leaseSeconds: number,
  ): Promise<RunAssignment | null | undefined> {
    const [waiting] = await this.prisma.$queryRaw<{ id: string; slots: number }[]>`
      SELECT r.id::text AS id, (${Prisma.raw(SLOTS_OF_RUN_SQL)})::int AS slots FROM "Run" r
       WHERE r.status = 'running' AND r.gang IS NOT NULL
         AND (r.gang->>'attempt')::int = r.attempt
         AND jsonb_exists(r.gang->'workerIds', ${workerId})
         AND NOT jsonb_exists(r.gang->'delivered', ${workerId})
         AND r.gang->'workerIds'->>0 <> ${workerId}
       ORDER BY r."startedAt"
       LIMIT 1`;
    if (!waiting) return undefined;
    if (waiting.slots > freeSlots) return null;
    const [run] = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE "Run" r SET gang = jsonb_set(r.gang, '{delivered}', (r.gang->'delivered') || to_jsonb(${workerId}::text))
       WHERE r.id = ${waiting.id}::uuid AND r.status = 'running' AND NOT jsonb_exists(r.gang->'delivered', ${workerId})
       RETURNING r.id::text AS id`;
    const claimed = run && (await this.prisma.run.findUnique({ where: { id: run.id } }));
    const node = claimed && nodeOf(claimed, workerId);
    if (!claimed || !node) return undefined;
    logger.info(
      { runId: claimed.id, workerId, attempt: claimed.attempt, nodeRank: node.nodeRank },
      'gang node delivered',
    );
    return {
      runId: claimed.id,
      attempt: claimed.attempt,
      config: claimed.config as RunConfig,
      leaseSeconds,
      analysis: null,
      node,
    };
  }
}
