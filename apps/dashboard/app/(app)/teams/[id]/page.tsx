import { roleAtLeast } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { AuditLog } from '@/components/audit-log';
import { TeamMembers } from '@/components/team-members';
import { isRunId, settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Team' };

type Params = Promise<{ id: string }>;

/** One team: its members and their roles, and (for admins) who did what, when and through which credential. */
export default async function TeamPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const api = await serverApi();
  const team = await settle(api.getTeam(id));
  if (!team.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>Team</h1>
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
        Your role here: <strong data-testid="team-role">{data.role}</strong>.
      </p>
      <h2>Members</h2>
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
      <h2 id="audit-heading">Audit log</h2>
      {audit === null ? (
        <p className="muted" data-testid="audit-admins-only">
          Only the team’s admins and owners see its audit log.
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
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/teams">← All teams</Link>
    </nav>
  );
}
