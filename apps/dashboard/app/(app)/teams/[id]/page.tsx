import { roleAtLeast } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { AuditLog } from '@/components/audit-log';
import { TeamMembers } from '@/components/team-members';
import { isRunId, settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('teamTitle') };
}

type Params = Promise<{ id: string }>;

/** One team: its members and their roles, and (for admins) who did what, when and through which credential. */
export default async function TeamPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const t = await getTranslations('pages');
  const api = await serverApi();
  const team = await settle(api.getTeam(id));
  if (!team.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>{t('teamTitle')}</h1>
        <ApiFailurePanel failure={team.failure} />
      </>
    );
  }
  const { data } = team;
  if (!data) notFound();
  const admin = roleAtLeast(data.role, 'admin');
  const [members, audit, me] = await Promise.all([
    settle(api.listMembers(id)),
    admin ? settle(api.auditPage(id, { limit: 50 })) : null,
    settle(api.me()),
  ]);
  return (
    <>
      <Breadcrumb />
      <h1>
        {data.name} <span className="muted">({data.slug})</span>
      </h1>
      <p className="muted">
        {t.rich('yourRole', {
          role: t('roleName', { role: data.role }),
          strong: (chunks) => <strong data-testid="team-role">{chunks}</strong>,
        })}
      </p>
      <h2>{t('members')}</h2>
      {members.ok ? (
        <TeamMembers
          teamId={id}
          initial={members.data}
          callerRole={data.role}
          callerId={me.ok ? me.data.user.id : null}
        />
      ) : (
        <ApiFailurePanel failure={members.failure} />
      )}
      <h2 id="audit-heading">{t('auditLog')}</h2>
      {audit === null ? (
        <p className="muted" data-testid="audit-admins-only">
          {t('auditAdminsOnly')}
        </p>
      ) : audit.ok ? (
        <AuditLog teamId={id} first={audit.data} />
      ) : (
        <ApiFailurePanel failure={audit.failure} />
      )}
    </>
  );
}

function Breadcrumb() {
  const t = useTranslations('pages');
  const tn = useTranslations('nav');
  return (
    <nav aria-label={tn('breadcrumb')} className="breadcrumb">
      <Link href="/teams">{t('allTeams')}</Link>
    </nav>
  );
}
