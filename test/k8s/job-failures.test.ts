import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isFinished, jobFailure, podFailure } from '../../apps/orchestrator/src/launch/job-failures.js';

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'reslab-0f1e2d3c-a1-x7k2p' }, status });
/** A pod in `phase` whose one container, the worker, is in `state`. */
const podWithWorker = (phase: string, state: V1ContainerState): V1Pod =>
  pod({
    phase,
    containerStatuses: [{ name: 'worker', image: 'w', imageID: '', ready: false, restartCount: 0, state }],
  });
const job = (conditions: NonNullable<V1Job['status']>['conditions']): V1Job => ({
  metadata: { name: 'reslab-0f1e2d3c-a1' },
  status: { conditions },
});

describe('the reason a Job or pod failed, in Kubernetes words', () => {
  it('an OOMKilled container, with its exit code', () => {
    const failed = podWithWorker('Failed', { terminated: { reason: 'OOMKilled', exitCode: 137 } });
    expect(podFailure(failed)).toBe('kubernetes: pod reslab-0f1e2d3c-a1-x7k2p: container worker OOMKilled (exit 137)');
  });

  it('an image that cannot be pulled fails once the kubelet backs off, not on the first ErrImagePull', () => {
    const waiting = (reason: string) =>
      podWithWorker('Pending', { waiting: { reason, message: 'pull access denied' } });
    expect(podFailure(waiting('ErrImagePull'))).toBeNull();
    expect(podFailure(waiting('ImagePullBackOff'))).toBe(
      'kubernetes: pod reslab-0f1e2d3c-a1-x7k2p: ImagePullBackOff: pull access denied',
    );
    expect(podFailure(waiting('ContainerCreating'))).toBeNull();
  });

  it('an evicted pod with no container status; a running or succeeded pod is no failure', () => {
    expect(podFailure(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }))).toBe(
      'kubernetes: pod reslab-0f1e2d3c-a1-x7k2p: Evicted: low on memory',
    );
    expect(podFailure(pod({ phase: 'Running' }))).toBeNull();
    expect(podFailure(pod({ phase: 'Succeeded' }))).toBeNull();
  });

  it("a Job's Failed condition; Complete or none is no failure", () => {
    const failed = job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'limit reached' }]);
    expect(jobFailure(failed)).toBe('kubernetes: Job reslab-0f1e2d3c-a1 failed: BackoffLimitExceeded: limit reached');
    expect(isFinished(failed)).toBe(true);
    const complete = job([{ type: 'Complete', status: 'True' }]);
    expect(jobFailure(complete)).toBeNull();
    expect(isFinished(complete)).toBe(true);
    expect(jobFailure(job([]))).toBeNull();
    expect(isFinished(job([{ type: 'Failed', status: 'False' }]))).toBe(false);
  });
});
