import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobName, LABELS, type LaunchableRun, secretName } from '../../apps/orchestrator/src/launch/job-spec.js';
import { KubernetesJobLauncher } from '../../apps/orchestrator/src/launch/kubernetes-job-launcher.js';
import { LAUNCHER_API_CALLS } from '../../apps/orchestrator/src/launch/launcher-api-calls.js';
import { FakeKubeApi } from '../support/fake-kube-api.js';
import { REPO_ROOT } from '../support/paths.js';
import { freePort, type ManagedProcess, startProcess, waitFor, waitForHttp } from '../support/processes.js';
import { runWhen, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';
import { rememberSecret } from '../support/test-log.js';

const NAMESPACE = 'reslab-test';
const TEMPLATE = {
  namespace: NAMESPACE,
  workerImage: 'reslab-worker:test',
  orchestratorUrl: 'http://reslab-orchestrator:4000',
  workerConfigMap: 'reslab-worker',
  ttlSecondsAfterFinished: 600,
  artifactClaim: null,
};

/**
 * The Kubernetes Job launcher with a real orchestrator (two replicas, both launching), real Postgres and real worker
 * processes, against a FAKE Kubernetes API server (test/support/fake-kube-api.ts): no cluster runs here. The test
 * plays the kubelet: it starts the worker a Job's pod would run, with the pod's token, and sets pod and Job states.
 */
describe('the Kubernetes Job launcher, against a FAKE Kubernetes API server', () => {
  let fake: FakeKubeApi;
  let stack: Stack;
  let replica: ManagedProcess;
  let dir: string;
  const pods: ManagedProcess[] = [];

  beforeAll(async () => {
    fake = await new FakeKubeApi().start();
    console.log(`launcher test: Kubernetes API is the ${fake.name} at ${fake.url}`);
    dir = mkdtempSync(join(tmpdir(), 'reslab-k8s-'));
    const env = {
      RESLAB_LAUNCHER: 'kubernetes',
      KUBECONFIG: fake.writeKubeconfig(dir),
      RESLAB_KUBE_NAMESPACE: NAMESPACE,
      RESLAB_KUBE_WORKER_IMAGE: TEMPLATE.workerImage,
      RESLAB_KUBE_ORCHESTRATOR_URL: TEMPLATE.orchestratorUrl,
      RESLAB_KUBE_RESYNC_MS: '300',
    };
    stack = await startStack('reslab_k8s_launcher', { leaseSeconds: 5, orchestratorEnv: env });
    // A second replica on the same database: both launchers see every queued run and race to make its Job.
    const port = await freePort();
    replica = startProcess('node', [join(REPO_ROOT, 'apps/orchestrator/dist/main.js')], {
      DATABASE_URL: stack.db.url,
      RESLAB_API_PORT: String(port),
      RESLAB_ARTIFACT_DIR: join(stack.workDir, 'artifacts'),
      RESLAB_LEASE_SECONDS: '5',
      LOG_LEVEL: 'info',
      ...env,
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000);
  });

  afterAll(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    await replica?.stop();
    await stack?.stop();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const jobsOf = (runId: string) =>
    fake.list('jobs', NAMESPACE).filter((job) => job.metadata.labels?.[LABELS.runId] === runId);

  async function createRun(name: string, config = tinyConfig()): Promise<RunDto> {
    return (await api<RunDto>(stack, 'POST', '/runs', { name, config })).body;
  }

  async function jobAppears(runId: string, attempt: number) {
    const name = jobName(runId, attempt);
    return waitFor(`Job ${name} on the FAKE API`, async () => {
      const job = fake.get('jobs', NAMESPACE, name);
      const secret = fake.get('secrets', NAMESPACE, secretName(runId, attempt));
      return job && secret ? { job, secret } : undefined;
    });
  }

  /** As the kubelet would: the Job's worker, with the token its pod reads from the Secret, in one-run mode. */
  function startPod(runId: string, token: string, env: Record<string, string> = {}): ManagedProcess {
    rememberSecret('enrolment token of a Job', token);
    const podName = `pod-${runId.slice(0, 8)}-${pods.length}`;
    const pod = startProcess('node', [join(REPO_ROOT, 'apps/worker/dist/main.js'), '--run', runId, '--name', podName], {
      RESLAB_API_URL: stack.apiUrl,
      RESLAB_ENROLMENT_TOKEN: token,
      RESLAB_WORK_DIR: join(dir, podName),
      RESLAB_ARTIFACT_DIR: join(stack.workDir, 'artifacts'),
      RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND,
      RESLAB_WORKER_IDLE_MS: '200',
      ...env,
    });
    pods.push(pod);
    return pod;
  }

  it('makes one Job per queued run, whichever replica gets there first; its worker runs that run and exits', async () => {
    const run = await createRun('k8s one job');
    const { job, secret } = await jobAppears(run.id, 1);
    // Both replicas resync every 300 ms: give them several chances to make a second Job.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(jobsOf(run.id).map((j) => j.metadata.name)).toEqual([jobName(run.id, 1)]);
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Job', name: job.metadata.name, uid: job.metadata.uid }),
    ]);
    expect(job.metadata.labels?.[LABELS.attempt]).toBe('1');

    const token = (secret.stringData as Record<string, string>)['token-0'] as string;
    const pod = startPod(run.id, token);
    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded', 60_000);
    expect(done.attempt).toBe(1);
    expect(await pod.exited, `the pod's worker exits 0 after its one run\n${pod.output()}`).toBe(0);
  });

  it('two launchers racing on one run make one Job and one Secret; the loser takes 409 AlreadyExists as success', async () => {
    const run: LaunchableRun = {
      id: '7e3f0c1a-0000-4000-8000-000000000001',
      teamId: '7e3f0c1a-0000-4000-8000-0000000000ff',
      attempt: 1,
      config: { device: 'auto', resources: { gpus: 2, nodes: 1 } },
    };
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(join(dir, 'kubeconfig-fake.yaml'));
    let minted = 0;
    const mint = async (_team: string, count: number) =>
      Array.from({ length: count }, () => `enrolment_race${++minted}`);
    // In a namespace of its own: the stack's two launchers watch NAMESPACE, and would delete a Job whose run is
    // not in their database, as this one's is not, while the test looks.
    const RACE = { ...TEMPLATE, namespace: 'reslab-race' };
    const a = new KubernetesJobLauncher(kubeConfig, RACE, mint);
    const b = new KubernetesJobLauncher(kubeConfig, RACE, mint);
    await Promise.all([a.launch(run), b.launch(run), a.launch(run)]);
    expect(
      fake.list('jobs', RACE.namespace).filter((job) => job.metadata.labels?.[LABELS.runId] === run.id),
    ).toHaveLength(1);
    expect(fake.get('secrets', RACE.namespace, secretName(run.id, 1))).toBeDefined();
    const creates = fake.calls.filter(
      (c) => c.verb === 'create' && c.path.endsWith('/jobs') && c.path.includes(`/namespaces/${RACE.namespace}/`),
    );
    expect(
      creates.filter((c) => c.status === 409).length,
      'two of the three creates found the Job made',
    ).toBeGreaterThanOrEqual(2);
  });

  it('a Job that fails while its attempt runs requeues the run with the reason Kubernetes gave', async () => {
    const run = await createRun('k8s oom', tinyConfig({ epochs: 50 }));
    const { secret } = await jobAppears(run.id, 1);
    const pod = startPod(run.id, (secret.stringData as Record<string, string>)['token-0'] as string, {
      RESLAB_FAKE_EPOCH_MS: '1000',
    });
    await runWhen(stack, run.id, (r) => r.status === 'running', 30_000);
    const name = jobName(run.id, 1);
    fake.setPod(NAMESPACE, name, {
      phase: 'Failed',
      containerStatuses: [{ name: 'worker', state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }],
    });
    fake.setJobStatus(NAMESPACE, name, {
      failed: 1,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    });
    const requeued = await runWhen(stack, run.id, (r) => r.status === 'queued', 15_000);
    expect(requeued.failureReason).toContain('OOMKilled');
    expect(requeued.failureReason).toContain('exit 137');
    expect(requeued.attempt).toBe(1);
    // The next attempt gets a Job of its own; the failed one stays for its logs until its TTL.
    await jobAppears(run.id, 2);
    expect(fake.get('jobs', NAMESPACE, name)).toBeDefined();
    await pod.stop('SIGKILL');

    // Cancelled while its second Job's pod waits: the Job goes, and its Secret with it (ownerReferences).
    await api(stack, 'POST', `/runs/${run.id}/cancel`);
    await waitFor("the cancelled run's Job to be deleted", async () =>
      fake.get('jobs', NAMESPACE, jobName(run.id, 2)) ? undefined : true,
    );
    expect(fake.get('secrets', NAMESPACE, secretName(run.id, 2))).toBeUndefined();
    const deletes = fake.calls.filter((c) => c.verb === 'delete' && c.path.endsWith(`/jobs/${jobName(run.id, 2)}`));
    expect(deletes.map((c) => c.query.propagationPolicy)).toContain('Background');
  });

  it('a pod whose image cannot be pulled fails the never-claimed run; its Job goes, so a retry makes it again', async () => {
    const run = await createRun('k8s bad image');
    const name = jobName(run.id, 1);
    await jobAppears(run.id, 1);
    fake.setPod(NAMESPACE, name, {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'worker',
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "reslab-worker:test"' } },
        },
      ],
    });
    const failed = await runWhen(stack, run.id, (r) => r.status === 'failed', 15_000);
    expect(failed.failureReason).toContain('ImagePullBackOff');
    expect(failed.attempt).toBe(0);
    await waitFor('the failed Job to be deleted', async () => (fake.get('jobs', NAMESPACE, name) ? undefined : true));
    await api(stack, 'POST', `/runs/${run.id}/retry`);
    await jobAppears(run.id, 1);
  });

  it('calls only what LAUNCHER_API_CALLS declares (the Role in infra/k8s grants exactly that), never unauthenticated', () => {
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(fake.calls.filter((c) => c.status === 401)).toEqual([]);
    const declared = new Set(
      LAUNCHER_API_CALLS.flatMap((rule) => rule.verbs.map((verb) => `${rule.apiGroup}/${rule.resource}/${verb}`)),
    );
    const made = new Set(fake.calls.map((c) => `${c.group}/${c.resource}/${c.verb}`));
    expect([...made].filter((call) => !declared.has(call))).toEqual([]);
  });
});
