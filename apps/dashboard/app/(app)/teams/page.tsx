import type { Metadata } from 'next';
import Link from 'next/link';
import { getFormatter, getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { settle } from '@/lib/api-client';
import { formatTime } from '@/lib/format';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('teamsTitle') };
}

export default async function TeamsPage() {
  const f = await getFormatter();
  const t = await getTranslations('pages');
  const teams = await settle((await serverApi()).listTeams());
  return (
    <>
      <h1>{t('teamsTitle')}</h1>
      <p className="muted">{t('teamsIntro')}</p>
      {!teams.ok ? (
        <ApiFailurePanel failure={teams.failure} />
      ) : teams.data.length === 0 ? (
        <p className="panel empty" data-testid="teams-empty">
          {t('teamsEmpty')}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label={t('teamsTableLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('colTeam')}</th>
                <th scope="col">{t('colName')}</th>
                <th scope="col">{t('colYourRole')}</th>
                <th scope="col">{t('colCreated')}</th>
              </tr>
            </thead>
            <tbody>
              {teams.data.map((team) => (
                <tr key={team.id} data-testid="team-row" data-team-slug={team.slug}>
                  <th scope="row">
                    <Link href={`/teams/${team.id}`}>{team.slug}</Link>
                  </th>
                  <td>{team.name}</td>
                  <td>{t('roleName', { role: team.role })}</td>
                  <td>{formatTime(f, team.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
