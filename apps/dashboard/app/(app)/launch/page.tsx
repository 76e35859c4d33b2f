import { roleAtLeast } from '@reslab/contracts';
import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { type LaunchProject, SweepBuilder } from '@/components/sweep-builder';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('launchTitle') };
}

export default async function LaunchPage() {
  const t = await getTranslations('pages');
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
      <h1>{t('launchHeading')}</h1>
      <p className="muted">{t('launchIntro')}</p>
      {!projects.ok ? <ApiFailurePanel failure={projects.failure} title={t('launchProjectsFailed')} /> : null}
      {projects.ok && !offered.some((p) => p.writable) ? (
        <p className="notice" role="status" data-testid="launch-no-project">
          {offered.length === 0 ? t('launchNoTeam') : t('launchViewerOnly')}
        </p>
      ) : null}
      <SweepBuilder projects={offered} />
    </>
  );
}
