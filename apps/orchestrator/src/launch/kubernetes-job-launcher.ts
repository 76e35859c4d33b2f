import { ApiException, BatchV1Api, CoreV1Api, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import { logger } from '../logger.js';
import { buildJob, buildSecret, type JobTemplate, jobName, type LaunchableRun, secretName } from './job-spec.js';
import type { RunLauncher } from './run-launcher.js';

// Each call below is listed in LAUNCHER_API_CALLS (launcher-api-calls.ts), which the Role in infra/k8s must grant.

/** Mints `count` one-time enrolment tokens for a worker of `teamId` (WorkersService.issueEnrolmentToken). */
export type MintEnrolmentTokens = (teamId: string, count: number) => Promise<string[]>;

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

export function isApiStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** A queued run becomes a Job (job-spec.ts) and a Secret with its workers' enrolment tokens, owned by the Job. */
export class KubernetesJobLauncher implements RunLauncher {
  readonly kind = 'kubernetes' as const;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly template: JobTemplate,
    private readonly mintTokens: MintEnrolmentTokens,
  ) {
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async launch(run: LaunchableRun): Promise<void> {
    const { namespace } = this.template;
    const name = jobName(run.id, run.attempt);
    let job: V1ObjectMeta | undefined;
    let created = true;
    try {
      job = (await this.batch.createNamespacedJob({ namespace, body: buildJob(run, this.template) })).metadata;
    } catch (error) {
      // Another replica's launcher made it first: the name is the run's attempt, so it is the same Job.
      if (!isApiStatus(error, HTTP_CONFLICT)) throw error;
      created = false;
      job = (await this.batch.readNamespacedJob({ name, namespace })).metadata;
    }
    if (!job?.uid) throw new Error(`Job ${name} has no uid`);
    // Its maker may have died between the Job and the Secret: the pod waits for the Secret, so make it then.
    if (!created && (await this.secretExists(secretName(run.id, run.attempt)))) return;
    try {
      const tokens = await this.mintTokens(run.teamId, run.config.resources.nodes);
      const secret = buildSecret(run, this.template, { name, uid: job.uid }, tokens);
      await this.core.createNamespacedSecret({ namespace, body: secret });
    } catch (error) {
      // Made meanwhile by another replica: its tokens are the pod's, ours expire unused.
      if (isApiStatus(error, HTTP_CONFLICT)) return;
      // A Job whose Secret never comes waits in ContainerCreating for good: remove it, and the next resync makes both.
      await this.deleteJob(name, run.id).catch(() => {});
      throw error;
    }
    if (created) logger.info({ runId: run.id, attempt: run.attempt, job: name }, 'kubernetes job created');
  }

  /** Background propagation: the call returns at once, and the garbage collector removes pods and the Secret. */
  async deleteJob(name: string, runId: string): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({
        name,
        namespace: this.template.namespace,
        propagationPolicy: 'Background',
      });
      logger.info({ runId, job: name }, 'kubernetes job deleted');
    } catch (error) {
      if (!isApiStatus(error, HTTP_NOT_FOUND)) throw error;
    }
  }

  private async secretExists(name: string): Promise<boolean> {
    try {
      await this.core.readNamespacedSecret({ name, namespace: this.template.namespace });
      return true;
    } catch (error) {
      if (isApiStatus(error, HTTP_NOT_FOUND)) return false;
      throw error;
    }
  }
}
