import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildJob, buildSecret } from '../../apps/orchestrator/src/launch/job-spec.js';
import { LAUNCHER_API_CALLS } from '../../apps/orchestrator/src/launch/launcher-api-calls.js';
import { REPO_ROOT } from '../support/paths.js';

/**
 * The manifests under infra/k8s, checked offline (no cluster runs here): every overlay renders with `kubectl kustomize`
 * and its output passes `kubernetes-validate --strict` (the Kubernetes OpenAPI schemas, unknown fields refused).
 * The Job the launcher builds is validated the same way, and the Role is checked against the launcher's own list of
 * API calls, so the two cannot drift.
 */
const OVERLAYS = join(REPO_ROOT, 'infra', 'k8s', 'overlays');
const VALIDATE = join(REPO_ROOT, '.venv', 'bin', 'kubernetes-validate');
const dir = mkdtempSync(join(tmpdir(), 'reslab-manifests-'));

type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

function render(overlay: string): Manifest[] {
  const text = execFileSync('kubectl', ['kustomize', join(OVERLAYS, overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJS() as Manifest);
}

/** Runs the validator on `text`; throws with its output on any failure. */
function validate(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return execFileSync(VALIDATE, ['--strict', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The rendered object of `kind` (and `name`), typed as the caller reads it. */
function find<T>(manifests: Manifest[], kind: string, name?: string): T {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} was rendered`);
  return found as unknown as T;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('infra/k8s, rendered with kubectl kustomize and validated with kubernetes-validate --strict', () => {
  const overlays = readdirSync(OVERLAYS);

  it('has the pull and jobs overlays', () => {
    expect(overlays.sort()).toEqual(['jobs', 'pull']);
  });

  it.each(overlays)('overlay %s renders and every object passes strict validation', (overlay) => {
    const text = execFileSync('kubectl', ['kustomize', join(OVERLAYS, overlay)], { encoding: 'utf8' });
    const objects = parseAllDocuments(text).length;
    const output = validate(overlay, text);
    expect(output.match(/ passed for resource /g)?.length, output).toBe(objects);
  });

  it('pull runs a worker DaemonSet on GPU nodes; jobs runs none and turns the Job launcher on', () => {
    const pull = render('pull');
    const daemonSet = find<{
      spec: {
        template: { spec: { nodeSelector: object; tolerations: object[]; containers: { resources: object }[] } };
      };
    }>(pull, 'DaemonSet');
    expect(daemonSet.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(daemonSet.spec.template.spec.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu' }));
    expect(daemonSet.spec.template.spec.containers[0]?.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    const jobs = render('jobs');
    expect(jobs.filter((m) => m.kind === 'DaemonSet')).toEqual([]);
    const launcherEnv = (manifests: Manifest[]) => {
      const deployment = find<{
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      }>(manifests, 'Deployment', 'reslab-orchestrator');
      return deployment.spec.template.spec.containers[0]?.env.find((e) => e.name === 'RESLAB_LAUNCHER')?.value;
    };
    expect(launcherEnv(pull)).toBe('pull');
    expect(launcherEnv(jobs)).toBe('kubernetes');
  });

  it('Postgres is external: the orchestrator reads its URL from a Secret no overlay ships', () => {
    for (const overlay of overlays) {
      const manifests = render(overlay);
      expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
      const orchestrator = find<{
        spec: { template: { spec: { containers: { env: { name: string; valueFrom?: object }[] }[] } } };
      }>(manifests, 'Deployment', 'reslab-orchestrator');
      const url = orchestrator.spec.template.spec.containers[0]?.env.find((e) => e.name === 'DATABASE_URL');
      expect(url?.valueFrom).toEqual({ secretKeyRef: { name: 'reslab-database', key: 'url' } });
    }
  });

  it("the launcher's Role grants every call LAUNCHER_API_CALLS lists, bound to the orchestrator's ServiceAccount", () => {
    for (const overlay of overlays) {
      const manifests = render(overlay);
      const role = find<{
        rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      }>(manifests, 'Role', 'reslab-job-launcher');
      const granted = new Set(
        role.rules.flatMap((rule) =>
          rule.apiGroups.flatMap((group) =>
            rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}/${verb}`)),
          ),
        ),
      );
      const needed = LAUNCHER_API_CALLS.flatMap((call) =>
        call.verbs.map((verb) => `${call.apiGroup}/${call.resource}/${verb}`),
      );
      expect(
        needed.filter((call) => !granted.has(call)),
        overlay,
      ).toEqual([]);
      const binding = find<{
        roleRef: { name: string };
        subjects: { kind: string; name: string }[];
      }>(manifests, 'RoleBinding');
      expect(binding.roleRef.name).toBe('reslab-job-launcher');
      const orchestrator = find<{ spec: { template: { spec: { serviceAccountName: string } } } }>(
        manifests,
        'Deployment',
        'reslab-orchestrator',
      );
      expect(binding.subjects).toEqual([
        expect.objectContaining({ kind: 'ServiceAccount', name: orchestrator.spec.template.spec.serviceAccountName }),
      ]);
    }
  });

  it('the Job and Secret the launcher builds pass strict validation too (one node, and an indexed gang of two)', () => {
    const template = {
      namespace: 'reslab',
      workerImage: 'reslab/worker:latest',
      orchestratorUrl: 'http://reslab-orchestrator:4000',
      workerConfigMap: 'reslab-worker',
      ttlSecondsAfterFinished: 3600,
      artifactClaim: 'reslab-artifacts',
    };
    const docs: object[] = [];
    for (const resources of [
      { gpus: 1, nodes: 1 },
      { gpus: 8, nodes: 2 },
    ]) {
      const run = {
        id: `0f1e2d3c-4b5a-4968-8776-65544332211${resources.nodes}`,
        teamId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
        attempt: 1,
        config: { device: 'auto' as const, resources },
      };
      const job = buildJob(run, template);
      docs.push(job, buildSecret(run, template, { name: job.metadata?.name ?? '', uid: 'uid' }, ['a', 'b']));
    }
    const output = validate('launcher-job', docs.map((doc) => JSON.stringify(doc)).join('\n---\n'));
    expect(output.match(/ passed for resource /g)?.length, output).toBe(docs.length);
  });
});
