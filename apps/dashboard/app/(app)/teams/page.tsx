import type { Metadata } from 'next';
import Link from 'next/link';
import { getFormatter } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { settle } from '@/lib/api-client';
import { formatTime } from '@/lib/format';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Teams' };

export default async function TeamsPage() {
  const f = await getFormatter();
  const teams = await settle((await serverApi()).listTeams());
  return (
    <>
      <h1>Teams</h1>
      <p className="muted">
        Everything in ResLab belongs to a team’s project. Owners and admins manage members; members launch, cancel and
        retry; viewers read.
      </p>
      {!teams.ok ? (
        <ApiFailurePanel failure={teams.failure} />
      ) : teams.data.length === 0 ? (
        <p className="panel empty" data-testid="teams-empty">
          You are in no team yet. A team admin can add you by your e-mail address.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label="Your teams">
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Name</th>
                <th scope="col">Your role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {teams.data.map((t) => (
                <tr key={t.id} data-testid="team-row" data-team-slug={t.slug}>
                  <th scope="row">
                    <Link href={`/teams/${t.id}`}>{t.slug}</Link>
                  </th>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td>{formatTime(f, t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
