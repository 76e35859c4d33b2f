import {
  BatchV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type ObjectCache,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { RunConfig } from '@reslab/contracts';
import type { PrismaService } from '../database/prisma.service.js';
import { logger } from '../logger.js';
import type { RunsService } from '../runs/runs.service.js';
import { isFinished, jobFailure, podFailure } from './job-failures.js';
import { jobName, LABELS, MANAGED_SELECTOR } from './job-spec.js';
import type { KubernetesJobLauncher } from './kubernetes-job-launcher.js';

/** The run and attempt a Job or pod was made for, from its labels; null for anything else. */
function attemptOf(object: V1Job | V1Pod): { runId: string; attempt: number } | null {
  const labels = object.metadata?.labels ?? {};
  const runId = labels[LABELS.runId];
  const attempt = Number(labels[LABELS.attempt]);
  return runId && Number.isInteger(attempt) ? { runId, attempt } : null;
}

/**
 * The Kubernetes side of the run lifecycle, as a controller: informers (list, then watch) on the launcher's Jobs and
 * pods, and a resync that compares them with the runs.
 * - A queued run with no Job for its next attempt gets one (launch is idempotent, so every replica may do it).
 * - A Job or pod that fails while its attempt is not finished fails or requeues the run, with Kubernetes' reason
 *   (RunsService.launchFailed).
 * - A cancelled run's live Job is deleted, as is the Job of a run that failed before its pod ever claimed it (so a
 *   retry can make a Job of the same name). Finished runs' Jobs are left to ttlSecondsAfterFinished.
 * Events act at once; the resync catches whatever a lost watch missed.
 */
export class KubernetesJobWatcher {
  private readonly jobs: Informer<V1Job> & ObjectCache<V1Job>;
  private readonly pods: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly core: CoreV1Api;
  /** Failures already handed to the runs (uid and reason), so a resync does not read the run again for each. */
  private readonly handled = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private resyncing = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly launcher: KubernetesJobLauncher,
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
    private readonly resyncMs: number,
  ) {
    const { namespace } = launcher.template;
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.core = core;
    this.jobs = makeInformer(
      kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      () => batch.listNamespacedJob({ namespace, labelSelector: MANAGED_SELECTOR }),
      MANAGED_SELECTOR,
    );
    this.pods = makeInformer(
      kubeConfig,
      `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }),
      MANAGED_SELECTOR,
    );
    this.jobs.on('change', (job) => void this.onJobChange(job));
    this.pods.on('change', (pod) => void this.onFailure(pod, podFailure(pod)));
    for (const informer of [this.jobs, this.pods] as Informer<V1Job | V1Pod>[]) {
      informer.on('delete', (object) => {
        for (const key of this.handled) if (key.startsWith(`${object.metadata?.uid}:`)) this.handled.delete(key);
      });
    }
    for (const informer of [this.jobs, this.pods] as Informer<V1Job | V1Pod>[]) {
      // The informer stops on an error (the API server gone, a 403): log it, and start it again a resync later.
      informer.on('error', (error) => {
        logger.warn({ err: (error as Error)?.message ?? String(error) }, 'kubernetes watch failed; restarting');
        if (!this.stopped) setTimeout(() => void informer.start().catch(() => {}), this.resyncMs).unref();
      });
    }
  }

  async start(): Promise<void> {
    await Promise.all([this.jobs.start(), this.pods.start()]);
    await this.resync();
    this.timer = setInterval(() => void this.resync(), this.resyncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.jobs.stop(), this.pods.stop()]);
  }

  /** One pass of the controller loop; never throws (a failed step is tried again at the next pass). */
  async resync(): Promise<void> {
    if (this.resyncing || this.stopped) return;
    this.resyncing = true;
    try {
      await this.launchQueued();
      await this.reconcileJobs();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'kubernetes resync failed');
    } finally {
      this.resyncing = false;
    }
  }

  private async launchQueued(): Promise<void> {
    const { namespace } = this.launcher.template;
    const queued = await this.prisma.run.findMany({
      where: { status: 'queued' },
      select: { id: true, teamId: true, attempt: true, config: true },
      orderBy: [{ priority: 'desc' }, { queuedAt: 'asc' }],
    });
    for (const run of queued) {
      const attempt = run.attempt + 1;
      if (this.jobs.get(jobName(run.id, attempt), namespace)) continue;
      try {
        await this.launcher.launch({ ...run, attempt, config: run.config as RunConfig });
      } catch (error) {
        logger.warn({ runId: run.id, attempt, err: (error as Error).message }, 'kubernetes job not created');
      }
    }
  }

  private async reconcileJobs(): Promise<void> {
    const { namespace } = this.launcher.template;
    for (const pod of this.pods.list(namespace)) await this.onFailure(pod, podFailure(pod));
    const jobs = this.jobs.list(namespace);
    const ids = [...new Set(jobs.map((job) => attemptOf(job)?.runId).filter((id): id is string => !!id))];
    if (!ids.length) return;
    const runs = await this.prisma.run.findMany({
      where: { id: { in: ids } },
      select: { id: true, status: true, attempt: true },
    });
    const byId = new Map(runs.map((run) => [run.id, run]));
    for (const job of jobs) {
      const made = attemptOf(job);
      const name = job.metadata?.name;
      if (!made || !name) continue;
      await this.onFailure(job, jobFailure(job));
      const run = byId.get(made.runId);
      const cancelled = run?.status === 'cancelled' && !isFinished(job);
      const neverClaimed = run?.status === 'failed' && run.attempt === made.attempt - 1;
      if (!run || cancelled || neverClaimed) await this.launcher.deleteJob(name, made.runId);
    }
  }

  /**
   * A failed Job says only BackoffLimitExceeded; its pod says why (OOMKilled, an image pull error). The pods watch
   * is a stream of its own and may deliver the pod's failure after the Job's, so the pod is read from the API
   * server, where it failed before the Job controller could mark the Job; the Job's reason when no pod tells more.
   */
  private async onJobChange(job: V1Job): Promise<void> {
    const failure = jobFailure(job);
    if (!failure) return;
    await this.onFailure(job, (await this.failedPodOf(job)) ?? failure);
  }

  private async failedPodOf(job: V1Job): Promise<string | null> {
    const { namespace } = this.launcher.template;
    try {
      const pods = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${job.metadata?.name}` });
      for (const pod of pods.items) {
        const reason = podFailure(pod);
        if (reason) return reason;
      }
    } catch (error) {
      logger.warn({ job: job.metadata?.name, err: (error as Error).message }, 'pods of a failed Job not listed');
    }
    return null;
  }

  private async onFailure(object: V1Job | V1Pod, reason: string | null): Promise<void> {
    const made = attemptOf(object);
    const key = `${object.metadata?.uid}:${reason}`;
    if (!reason || !made || this.handled.has(key)) return;
    try {
      const changed = await this.runs.launchFailed(made.runId, made.attempt, reason);
      this.handled.add(key);
      if (changed)
        logger.warn(
          { runId: made.runId, attempt: made.attempt, status: changed.status, reason },
          'kubernetes job failed',
        );
    } catch (error) {
      logger.warn({ runId: made.runId, err: (error as Error).message }, 'kubernetes failure not recorded');
    }
  }
}
