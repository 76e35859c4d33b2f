import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { logger } from '../logger.js';
import { type SizedRun, slotsOf } from './run-slots.js';

/**
 * One run queue per team and run size: `runs_<teamId>` for one-slot runs (the name they had before multi-GPU runs),
 * `runs_<teamId>_g<k>` for runs of k slots. A team's worker takes only its team's runs (issue 8).
 */
export const RUN_QUEUE_PREFIX = 'runs_';
export const LEASE_QUEUE = 'lease-check';

export function runQueueOf(teamId: string, slots = 1): string {
  return slots > 1 ? `${RUN_QUEUE_PREFIX}${teamId}_g${slots}` : `${RUN_QUEUE_PREFIX}${teamId}`;
}

/** The team and size a run queue's name stands for; null for a queue that is not a run queue. */
export function parseRunQueue(name: string): { teamId: string; slots: number } | null {
  const match = /^runs_([0-9a-f-]{36})(?:_g(\d+))?$/.exec(name);
  return match ? { teamId: match[1] as string, slots: match[2] ? Number(match[2]) : 1 } : null;
}

/** How many of a worker's slots are free now, and how many it has. */
export interface SlotFit {
  free: number;
  total: number;
}

interface RunJob {
  runId: string;
}

/** Queues created by another replica are found within this long (ms). */
const QUEUE_LIST_TTL_MS = 5000;

/**
 * The run queue and the lease timers, both kept by pg-boss in its own `pgboss`
 * schema of the same Postgres. pg-boss owns claiming (FOR UPDATE SKIP LOCKED),
 * priorities and delayed delivery; the Run table stays the source of truth for
 * status. A lease is not a pg-boss expiry (capped below 24 h, with no way to
 * extend it): each claim and heartbeat moves Run.leaseExpiresAt, and a delayed
 * `lease-check` job looks at it when it could have run out.
 *
 * Runs wait in one queue per team. A team's worker takes from its team's queue,
 * highest priority first. A shared worker serves every team, taking from the
 * team queues in turn (round robin), so one team's long sweep cannot starve
 * another's: fair share between teams, as Determined and Slurm do between
 * users, and strict priority within a team.
 *
 * Within a team, one queue per run size (slots per node). A worker asks the
 * sizes that fit its free slots, largest first, so a small run never waits
 * behind a large one it could pass (each size has its own head). A large run
 * is not passed forever either: a worker whose free slots are too few for a
 * waiting run that fits its total takes nothing smaller (a shared worker: from
 * no team, once its round robin reaches that run's team), so its slots drain
 * until the large run fits: a reservation, as Slurm's backfill makes without
 * runtime estimates. Workers too small for it serve the small runs meanwhile.
 */
@Injectable()
export class RunQueueService implements OnModuleInit, OnModuleDestroy {
  private readonly boss: PgBoss;
  /** Team queues known to exist (pg-boss's createQueue is not idempotent). */
  private readonly queues = new Set<string>();
  /** Queue creations in flight, by queue name: concurrent creates of a team's first run of a size wait on one. */
  private readonly creatingQueues = new Map<string, Promise<void>>();
  /** Where the shared workers' round robin stands. */
  private nextTeam = 0;
  private queuesListedAt = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.boss = new PgBoss({ connectionString: config.databaseUrl, schema: 'pgboss', max: 6 });
    // During a database outage pg-boss fails every poll (twice a second); one line per distinct error and
    // minute is enough, and the error's message, not the pg client object it carries.
    let last = { message: '', at: 0 };
    this.boss.on('error', (error) => {
      if (error.message === last.message && Date.now() - last.at < 60_000) return;
      last = { message: error.message, at: Date.now() };
      logger.error({ err: error.message, code: (error as { code?: string }).code }, 'pg-boss error');
    });
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    for (const queue of await this.boss.getQueues()) this.queues.add(queue.name);
    if (!this.queues.has(LEASE_QUEUE)) await this.boss.createQueue(LEASE_QUEUE, { name: LEASE_QUEUE });
  }

  async onModuleDestroy(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
  }

  /**
   * Starts taking lease-check jobs, handing each to `handler`. Work starts only
   * once there is a handler: a job taken before would be completed unchecked,
   * and its run would have no lease timer left.
   */
  async onLeaseCheck(handler: (runId: string) => Promise<void>): Promise<void> {
    await this.boss.work<RunJob>(LEASE_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 20 }, async (jobs) => {
      for (const job of jobs) await handler(job.data.runId);
    });
  }

  private async teamQueue(teamId: string, slots: number): Promise<string> {
    const name = runQueueOf(teamId, slots);
    if (!this.queues.has(name)) {
      // Runs created together for a team's first queue of a size share one creation: concurrent createQueue calls
      // deadlocked in pg-boss's DDL (40P01), a 500 for half of 12 simultaneous creates (test/e2e/project-ref.test.ts).
      let creating = this.creatingQueues.get(name);
      if (!creating) {
        creating = this.createQueue(name).finally(() => this.creatingQueues.delete(name));
        this.creatingQueues.set(name, creating);
      }
      await creating;
      this.queues.add(name);
    }
    return name;
  }

  /** Another replica may be creating the same queue: its DDL can deadlock with ours, then the queue is there. */
  private async createQueue(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (await this.boss.getQueue(name)) return;
      try {
        // 'short': at most one waiting job per singletonKey, i.e. per run.
        await this.boss.createQueue(name, { name, policy: 'short' });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  /** At most one waiting job per run (singletonKey), so requeueing twice is a no-op. */
  async enqueue(run: { id: string; teamId: string; priority: number } & SizedRun): Promise<void> {
    await this.boss.send(await this.teamQueue(run.teamId, slotsOf(run)), { runId: run.id } satisfies RunJob, {
      priority: run.priority,
      singletonKey: run.id,
      retryLimit: 0,
      expireInSeconds: 60,
    });
  }

  /**
   * Takes the next job that fits `fit` for a worker serving `teamId` (null: a shared worker, every team in turn):
   * the largest size that fits first, highest priority first within a size; the job is done once the run is
   * claimed. `skip`: queues not to take from in this claim (a gang that found too few workers).
   */
  async take(
    teamId: string | null,
    fit: SlotFit = { free: 1, total: 1 },
    skip: ReadonlySet<string> = new Set(),
  ): Promise<{ runId: string; queue: string } | null> {
    await this.listQueues();
    const teams = teamId ? [teamId] : [...this.sizesByTeam().keys()].sort();
    for (let i = 0; i < teams.length; i++) {
      const team = teams[(this.nextTeam + i) % teams.length] as string;
      const sizes = (this.sizesByTeam().get(team) ?? []).filter((size) => size <= fit.total).sort((a, b) => b - a);
      for (const size of sizes) {
        const name = runQueueOf(team, size);
        if (skip.has(name)) continue;
        // A waiting run that fits this worker once its slots drain: reserve them for it (see the class comment).
        if (size > fit.free) {
          if ((await this.boss.getQueueSize(name)) > 0) return null;
          continue;
        }
        const [job] = await this.boss.fetch<RunJob>(name, { batchSize: 1, priority: true });
        if (!job) continue;
        await this.boss.complete(name, job.id);
        if (!teamId) this.nextTeam = (this.nextTeam + i + 1) % teams.length;
        return { runId: job.data.runId, queue: name };
      }
    }
    return null;
  }

  /**
   * Drops the waiting job of a run claimed by name (a Kubernetes Job's worker): nothing else would take it where
   * only Job launchers run, and it would count in the queue depth for good. Deleted, not completed: it never ran.
   */
  async withdraw(run: { id: string; teamId: string }): Promise<void> {
    await this.boss
      .getDb()
      .executeSql(
        `DELETE FROM pgboss.job WHERE starts_with(name, $1) AND singleton_key = $2 AND state IN ('created', 'retry')`,
        [runQueueOf(run.teamId, 1), run.id],
      );
  }

  /** Each team's run sizes that have a queue. */
  private sizesByTeam(): Map<string, number[]> {
    const teams = new Map<string, number[]>();
    for (const name of this.queues) {
      const parsed = parseRunQueue(name);
      if (parsed) teams.set(parsed.teamId, [...(teams.get(parsed.teamId) ?? []), parsed.slots]);
    }
    return teams;
  }

  /** Picks up queues another orchestrator replica created (a size or team seen first there). */
  private async listQueues(): Promise<void> {
    if (Date.now() - this.queuesListedAt < QUEUE_LIST_TTL_MS) return;
    this.queuesListedAt = Date.now();
    for (const queue of await this.boss.getQueues()) this.queues.add(queue.name);
  }

  private teamQueues(): string[] {
    return [...this.queues].filter((name) => parseRunQueue(name) !== null).sort();
  }

  async checkLeaseAfter(runId: string, seconds: number): Promise<void> {
    await this.boss.send(LEASE_QUEUE, { runId } satisfies RunJob, { startAfter: Math.max(1, Math.ceil(seconds)) });
  }

  /**
   * Queued runs without a waiting job: lost by a crash between fetch and claim. take() completes a job
   * right after fetching it, so a job still `active` after 10 s belongs to a process that died there.
   * Any of the team's run queues counts (a run's size is in its config, which a retry may not change).
   */
  async queuedRunsWithoutJob(): Promise<string[]> {
    const rows = await this.boss.getDb().executeSql(
      `SELECT r.id::text AS id FROM public."Run" r
        WHERE r.status = 'queued' AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j WHERE starts_with(j.name, $1 || r."teamId"::text) AND j.singleton_key = r.id::text
             AND (j.state IN ('created', 'retry')
                  OR (j.state = 'active' AND j.started_on > now() - interval '10 seconds')))`,
      [RUN_QUEUE_PREFIX],
    );
    return rows.rows.map((r: { id: string }) => r.id);
  }

  /** Running runs with no lease check waiting: nothing would notice their worker dying (an external run has none). */
  async runningRunsWithoutLeaseCheck(): Promise<string[]> {
    const rows = await this.boss.getDb().executeSql(
      `SELECT r.id::text AS id FROM public."Run" r
        WHERE r.status = 'running' AND r.kind <> 'external' AND NOT EXISTS (
          SELECT 1 FROM pgboss.job j WHERE j.name = $1 AND j.data->>'runId' = r.id::text
             AND j.state IN ('created', 'retry', 'active'))`,
      [LEASE_QUEUE],
    );
    return rows.rows.map((r: { id: string }) => r.id);
  }

  async depth(): Promise<number> {
    let total = 0;
    for (const name of this.teamQueues()) total += await this.boss.getQueueSize(name);
    return total;
  }
}
