import { describe, expect, it } from 'vitest';
import {
  ARTIFACT_MOUNT,
  buildJob,
  buildSecret,
  type JobTemplate,
  jobName,
  LABELS,
  type LaunchableRun,
  MANAGED_BY,
  secretName,
  TOKEN_MOUNT,
} from '../../apps/orchestrator/src/launch/job-spec.js';

const template: JobTemplate = {
  namespace: 'reslab',
  workerImage: 'registry.example/reslab-worker:1.0',
  orchestratorUrl: 'http://reslab-orchestrator:4000',
  workerConfigMap: 'reslab-worker',
  ttlSecondsAfterFinished: 600,
  artifactClaim: null,
};

function run(overrides: Partial<LaunchableRun['config']> = {}, attempt = 1): LaunchableRun {
  return {
    id: '0f1e2d3c-4b5a-4968-8776-655443322110',
    teamId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    attempt,
    config: { device: 'auto', resources: { gpus: 1, nodes: 1 }, ...overrides },
  };
}

const container = (job: ReturnType<typeof buildJob>) => job.spec?.template.spec?.containers[0];

describe('the Kubernetes Job a queued run becomes', () => {
  it('is named by run and attempt, deterministically, as a DNS label', () => {
    expect(jobName(run().id, 1)).toBe('reslab-0f1e2d3c-a1');
    expect(jobName(run().id, 12)).toBe('reslab-0f1e2d3c-a12');
    expect(buildJob(run({}, 3), template).metadata?.name).toBe('reslab-0f1e2d3c-a3');
    expect(secretName(run().id, 3)).toBe('reslab-0f1e2d3c-a3-enrolment');
    expect(jobName(run().id, 99)).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('one node, one GPU: a plain Job of one pod, one nvidia.com/gpu, never retried by Kubernetes', () => {
    const job = buildJob(run(), template);
    expect(job.spec?.completionMode).toBeUndefined();
    expect(job.spec?.completions).toBeUndefined();
    expect(job.spec?.parallelism).toBeUndefined();
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.ttlSecondsAfterFinished).toBe(600);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(container(job)?.image).toBe(template.workerImage);
    expect(container(job)?.resources).toEqual({
      requests: { 'nvidia.com/gpu': '1' },
      limits: { 'nvidia.com/gpu': '1' },
    });
  });

  it('gpus=4: four devices, and four worker slots for torchrun', () => {
    const job = buildJob(run({ resources: { gpus: 4, nodes: 1 } }), template);
    expect(container(job)?.resources?.limits).toEqual({ 'nvidia.com/gpu': '4' });
    expect(container(job)?.resources?.requests).toEqual({ 'nvidia.com/gpu': '4' });
    expect(container(job)?.env).toContainEqual({ name: 'RESLAB_WORKER_SLOTS', value: '4' });
  });

  it('nodes=2: an Indexed Job, parallelism = completions = 2, each pod reading the token of its index', () => {
    const job = buildJob(run({ resources: { gpus: 8, nodes: 2 } }), template);
    expect(job.spec?.completionMode).toBe('Indexed');
    expect(job.spec?.completions).toBe(2);
    expect(job.spec?.parallelism).toBe(2);
    expect(container(job)?.resources?.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(container(job)?.args?.[0]).toContain(`${TOKEN_MOUNT}/token-\${JOB_COMPLETION_INDEX:-0}`);
    const secret = buildSecret(run({ resources: { gpus: 8, nodes: 2 } }), template, { name: 'j', uid: 'u' }, [
      'tok-a',
      'tok-b',
    ]);
    expect(secret.stringData).toEqual({ 'token-0': 'tok-a', 'token-1': 'tok-b' });
  });

  it('device cpu: no GPU request at all, one CPU per process', () => {
    const job = buildJob(run({ device: 'cpu', resources: { gpus: 2, nodes: 1 } }), template);
    expect(JSON.stringify(job)).not.toContain('nvidia.com/gpu');
    expect(container(job)?.resources).toEqual({ requests: { cpu: '2' } });
  });

  it('labels the Job and its pods with run, attempt, team and the launcher that manages them', () => {
    const job = buildJob(run({}, 2), template);
    const labels = {
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.runId]: run().id,
      [LABELS.attempt]: '2',
      [LABELS.team]: run().teamId,
    };
    expect(job.metadata?.labels).toEqual(labels);
    expect(job.spec?.template.metadata?.labels).toEqual(labels);
    expect(job.metadata?.namespace).toBe('reslab');
  });

  it('runs the worker in one-run mode for this run, against the orchestrator, with its tokens from the Secret', () => {
    const job = buildJob(run({}, 2), template);
    const c = container(job);
    expect(c?.env).toContainEqual({ name: 'RESLAB_RUN_ID', value: run().id });
    expect(c?.env).toContainEqual({ name: 'RESLAB_API_URL', value: template.orchestratorUrl });
    expect(c?.args?.[0]).toContain('--run "$RESLAB_RUN_ID"');
    expect(c?.envFrom).toEqual([{ configMapRef: { name: 'reslab-worker', optional: true } }]);
    expect(c?.volumeMounts).toContainEqual({ name: 'enrolment', mountPath: TOKEN_MOUNT, readOnly: true });
    expect(job.spec?.template.spec?.volumes).toContainEqual({
      name: 'enrolment',
      secret: { secretName: 'reslab-0f1e2d3c-a2-enrolment' },
    });
    // No token in the Job itself: a Job is readable more widely than a Secret.
    expect(JSON.stringify(job)).not.toMatch(/enrolment_|tok-/);
  });

  it('mounts the shared artifact claim where RESLAB_ARTIFACT_DIR says, and none with S3 artifacts', () => {
    const shared = container(buildJob(run(), { ...template, artifactClaim: 'reslab-artifacts' }));
    expect(shared?.env).toContainEqual({ name: 'RESLAB_ARTIFACT_DIR', value: ARTIFACT_MOUNT });
    expect(shared?.volumeMounts).toContainEqual({ name: 'artifacts', mountPath: ARTIFACT_MOUNT });
    const s3 = buildJob(run(), template);
    expect(JSON.stringify(s3)).not.toContain('persistentVolumeClaim');
  });

  it('the Secret is owned by its Job, so it is deleted with it', () => {
    const secret = buildSecret(run(), template, { name: 'reslab-0f1e2d3c-a1', uid: 'uid-1' }, ['tok-a']);
    expect(secret.metadata?.name).toBe('reslab-0f1e2d3c-a1-enrolment');
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'reslab-0f1e2d3c-a1', uid: 'uid-1', controller: true },
    ]);
    expect(secret.stringData).toEqual({ 'token-0': 'tok-a' });
  });
});
