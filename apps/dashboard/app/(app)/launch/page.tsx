import { roleAtLeast } from '@reslab/contracts';
import type { Metadata } from 'next';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { type LaunchProject, SweepBuilder } from '@/components/sweep-builder';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Launch' };

export default async function LaunchPage() {
  const api = await serverApi();
  const [projects, me] = await Promise.all([settle(api.listProjects()), settle(api.me())]);
  // Members and up launch; a viewer's projects are shown but cannot be picked.
  const roles = new Map((me.ok ? me.data.teams : []).map((t) => [t.teamId, t.role]));
  const offered: LaunchProject[] = (projects.ok ? projects.data : [])
    .map((p) => {
      const role = roles.get(p.teamId);
      return { path: p.path, name: p.name, writable: role === undefined ? !me.ok : roleAtLeast(role, 'member') };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
  return (
    <>
      <h1>Launch a sweep</h1>
      <p className="muted">
        A sweep trains every combination of the architectures, depths and seeds below. The form checks the spec against
        the same schema the orchestrator uses as you type, and shows how many runs it expands to.
      </p>
      {!projects.ok ? <ApiFailurePanel failure={projects.failure} title="Could not load your projects" /> : null}
      {projects.ok && !offered.some((p) => p.writable) ? (
        <p className="notice" role="status" data-testid="launch-no-project">
          {offered.length === 0
            ? 'You are in no team with a project yet. A team admin can add you, or create a team with POST /teams.'
            : 'You are a viewer in every team you belong to: ask a team admin to make you a member to launch.'}
        </p>
      ) : null}
      <SweepBuilder projects={offered} />
    </>
  );
}
