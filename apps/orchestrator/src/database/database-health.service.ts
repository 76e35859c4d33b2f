import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { logger } from '../logger.js';
import { PrismaService } from './prisma.service.js';

/** How often the database is probed, ms: an outage is noticed within a second or two. */
const PROBE_INTERVAL_MS = 1000;
/** A probe that has not answered in this long counts as failed, ms (a stopped Postgres may hang a connect). */
const PROBE_TIMEOUT_MS = 2000;

export type DatabaseState = 'up' | 'down';

/**
 * Whether the orchestrator can reach Postgres now, probed every second. The
 * orchestrator keeps serving through an outage (answering 503 where it needs
 * the database), and the Prisma pool and pg-boss reconnect by themselves; this
 * service tells the rest of the process which side of an outage it is on.
 *
 * When the database comes back, the recovery hooks run before the state turns
 * `up` again: the lease extension among them, so no lease can be judged expired
 * on the strength of heartbeats that had nowhere to land.
 */
@Injectable()
export class DatabaseHealthService implements OnModuleInit, OnModuleDestroy {
  private state: DatabaseState = 'up';
  private downSince: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly recoveryHooks: (() => Promise<void>)[] = [];

  constructor(private readonly prisma: PrismaService) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  status(): { database: 'reachable' | 'unreachable'; downSince: string | null } {
    return { database: this.isUp ? 'reachable' : 'unreachable', downSince: this.downSince?.toISOString() ?? null };
  }

  /** Runs after every outage, before the database is reported up again; a hook that throws keeps it down. */
  onRecovered(hook: () => Promise<void>): void {
    this.recoveryHooks.push(hook);
  }

  /** Marks the database down at once, e.g. when a query failed on a lost connection between two probes. */
  markDown(error: Error): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.downSince = new Date();
    logger.error(
      { err: error.message },
      'database unreachable; serving what needs no database, answering 503 to the rest',
    );
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await Promise.race([
        this.prisma.$queryRaw`SELECT 1`,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS),
        ),
      ]);
      if (this.state === 'down') {
        for (const hook of this.recoveryHooks) await hook();
        const seconds = this.downSince ? (Date.now() - this.downSince.getTime()) / 1000 : 0;
        logger.info({ downSeconds: Math.round(seconds) }, 'database reachable again');
        this.state = 'up';
        this.downSince = null;
      }
    } catch (error) {
      this.markDown(error as Error);
    } finally {
      this.probing = false;
    }
  }
}
