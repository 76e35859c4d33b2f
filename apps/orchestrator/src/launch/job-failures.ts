import type { V1Job, V1Pod } from '@kubernetes/client-node';

/**
 * Waiting reasons after which a pod will not start by itself: the image cannot be pulled, or the container cannot
 * be made from its spec. A first ErrImagePull is retried by the kubelet, so only the back-off counts.
 */
const POD_START_FAILURES = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** Why a pod failed, as Kubernetes says it (OOMKilled, Error with its exit code, an image pull error), or null. */
export function podFailure(pod: V1Pod): string | null {
  const name = pod.metadata?.name;
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && POD_START_FAILURES.has(waiting.reason)) {
      return `kubernetes: pod ${name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
    const ended = status.state?.terminated;
    if (pod.status?.phase === 'Failed' && ended && ended.exitCode !== 0) {
      return `kubernetes: pod ${name}: container ${status.name} ${ended.reason ?? 'failed'} (exit ${ended.exitCode})`;
    }
  }
  if (pod.status?.phase === 'Failed') {
    // Evicted, or killed for its deadline, before any container status was kept.
    return `kubernetes: pod ${name}: ${pod.status.reason ?? 'Failed'}${pod.status.message ? `: ${pod.status.message}` : ''}`;
  }
  return null;
}

/** The Job's Failed condition (BackoffLimitExceeded, DeadlineExceeded, ...), or null while it has none. */
export function jobFailure(job: V1Job): string | null {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!failed) return null;
  return `kubernetes: Job ${job.metadata?.name} failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`;
}

/** Complete or Failed: Kubernetes will run no more pods for it. */
export function isFinished(job: V1Job): boolean {
  return !!job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}
