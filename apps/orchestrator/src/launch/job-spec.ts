import type { V1Job, V1ResourceRequirements, V1Secret } from '@kubernetes/client-node';
import type { RunConfig } from '@reslab/contracts';

/** Labels on every Job, pod and Secret the launcher makes; the watcher selects on MANAGED_BY. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'reslab.dev/run-id',
  attempt: 'reslab.dev/attempt',
  team: 'reslab.dev/team-id',
} as const;
export const MANAGED_BY = 'reslab-launcher';
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

/** What the Job template needs from the orchestrator's configuration (config/app-config.ts, `launcher`). */
export interface JobTemplate {
  namespace: string;
  /** The worker image (infra/docker/worker.Dockerfile). */
  workerImage: string;
  /** The orchestrator's URL as a pod sees it, e.g. http://reslab-orchestrator:4000. */
  orchestratorUrl: string;
  /** A ConfigMap whose keys become the worker's environment (artifact store, data dirs); optional in the pod. */
  workerConfigMap: string;
  /** Seconds Kubernetes keeps a finished Job (and, through ownerReferences, its Secret) before deleting it. */
  ttlSecondsAfterFinished: number;
  /** A ReadWriteMany claim holding the shared artifact store, mounted at ARTIFACT_MOUNT; null with S3 artifacts. */
  artifactClaim: string | null;
}

/** The run as the launcher sees it: enough to name, size and label its Job. */
export interface LaunchableRun {
  id: string;
  teamId: string;
  /** The attempt the Job's worker will claim: the run's attempt + 1. */
  attempt: number;
  config: Pick<RunConfig, 'device' | 'resources'>;
}

/**
 * Deterministic, so that launchers on several orchestrator replicas make the same Job and the second create is a
 * 409 (AlreadyExists). A name is a DNS label (RFC 1123, at most 63 characters); the run id's first 8 hex digits
 * keep it short for pod names with a completion index and a random suffix.
 */
export function jobName(runId: string, attempt: number): string {
  return `reslab-${runId.slice(0, 8)}-a${attempt}`;
}

/** The Secret holding the Job's enrolment tokens: one key per pod, `token-<completion index>`. */
export function secretName(runId: string, attempt: number): string {
  return `${jobName(runId, attempt)}-enrolment`;
}

export const TOKEN_MOUNT = '/var/run/reslab/enrolment';
export const ARTIFACT_MOUNT = '/var/lib/reslab/artifacts';

function labelsOf(run: LaunchableRun): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.runId]: run.id,
    [LABELS.attempt]: String(run.attempt),
    [LABELS.team]: run.teamId,
  };
}

/**
 * One Job per attempt. One node: a plain Job of one pod. Several nodes: an Indexed Job (completionMode Indexed,
 * parallelism = completions = nodes), whose pods get JOB_COMPLETION_INDEX 0..n-1 from Kubernetes, as Determined's
 * and Kubeflow's launchers do for a torchrun gang. No retries by Kubernetes (backoffLimit 0): a failed pod is a lost
 * attempt, and the orchestrator's attempts count decides what comes next.
 */
export function buildJob(run: LaunchableRun, template: JobTemplate): V1Job {
  const { gpus, nodes } = run.config.resources;
  const name = jobName(run.id, run.attempt);
  const labels = labelsOf(run);
  // On CPU, one core per process; on a GPU node, one device per process (the NVIDIA device plugin's resource).
  const resources: V1ResourceRequirements =
    run.config.device === 'cpu'
      ? { requests: { cpu: String(gpus) } }
      : { requests: { 'nvidia.com/gpu': String(gpus) }, limits: { 'nvidia.com/gpu': String(gpus) } };
  const indexed = nodes > 1;
  const artifacts = template.artifactClaim
    ? {
        env: [{ name: 'RESLAB_ARTIFACT_DIR', value: ARTIFACT_MOUNT }],
        mount: [{ name: 'artifacts', mountPath: ARTIFACT_MOUNT }],
        volume: [{ name: 'artifacts', persistentVolumeClaim: { claimName: template.artifactClaim } }],
      }
    : { env: [], mount: [], volume: [] };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: template.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: template.ttlSecondsAfterFinished,
      ...(indexed ? { completionMode: 'Indexed', completions: nodes, parallelism: nodes } : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'worker',
              image: template.workerImage,
              // The token file of this pod's index (0 for a plain Job); the worker trades it for its credential.
              command: ['sh', '-c'],
              args: [
                `RESLAB_ENROLMENT_TOKEN="$(cat ${TOKEN_MOUNT}/token-\${JOB_COMPLETION_INDEX:-0})" ` +
                  'exec node apps/worker/dist/main.js --run "$RESLAB_RUN_ID" --name "$POD_NAME"',
              ],
              env: [
                { name: 'RESLAB_RUN_ID', value: run.id },
                { name: 'RESLAB_API_URL', value: template.orchestratorUrl },
                { name: 'RESLAB_WORKER_SLOTS', value: String(gpus) },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...artifacts.env,
              ],
              envFrom: [{ configMapRef: { name: template.workerConfigMap, optional: true } }],
              resources,
              volumeMounts: [
                { name: 'enrolment', mountPath: TOKEN_MOUNT, readOnly: true },
                { name: 'shm', mountPath: '/dev/shm' },
                ...artifacts.mount,
              ],
            },
          ],
          volumes: [
            { name: 'enrolment', secret: { secretName: secretName(run.id, run.attempt) } },
            // DataLoader workers and NCCL share tensors through /dev/shm; a container's default 64 MiB is too small.
            { name: 'shm', emptyDir: { medium: 'Memory' } },
            ...artifacts.volume,
          ],
        },
      },
    },
  };
}

/**
 * The Job's tokens, owned by the Job (ownerReferences), so the garbage collector deletes the Secret with it.
 * `tokens[i]` is pod i's one-time enrolment token.
 */
export function buildSecret(
  run: LaunchableRun,
  template: JobTemplate,
  owner: { name: string; uid: string },
  tokens: string[],
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: secretName(run.id, run.attempt),
      namespace: template.namespace,
      labels: labelsOf(run),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: owner.name, uid: owner.uid, controller: true }],
    },
    stringData: Object.fromEntries(tokens.map((token, index) => [`token-${index}`, token])),
  };
}
