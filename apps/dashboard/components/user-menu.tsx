import type { WhoAmIDto } from '@reslab/contracts';
import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { signOut } from '@/app/login/actions';
import { LanguageSwitcher } from '@/components/language-switcher';

/** Who is signed in, in which teams and with what role, and the way out. */
export function UserMenu({ me }: { me: WhoAmIDto | null }) {
  const t = useTranslations('nav');
  return (
    <div className="user-menu" data-testid="user-menu">
      {me ? (
        <span className="user-menu__who">
          <span data-testid="user-email">{me.user.email}</span>
          {me.teams.length > 0 ? (
            <span className="user-menu__teams" data-testid="user-teams">
              {me.teams.map((team, i) => (
                <span key={team.teamId}>
                  {i > 0 ? ', ' : ''}
                  <Link href={`/teams/${team.teamId}`} data-team-slug={team.slug}>
                    {team.slug}
                  </Link>{' '}
                  <span className="user-menu__role">{t('role', { role: team.role })}</span>
                </span>
              ))}
            </span>
          ) : (
            <span className="user-menu__teams">{t('noTeam')}</span>
          )}
        </span>
      ) : (
        <span className="user-menu__who">{t('signedIn')}</span>
      )}
      <LanguageSwitcher />
      <form action={signOut}>
        <button type="submit" className="user-menu__signout" data-testid="sign-out">
          {t('signOut')}
        </button>
      </form>
    </div>
  );
}
