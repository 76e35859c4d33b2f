import type { WhoAmIDto } from '@reslab/contracts';
import Link from 'next/link';
import { signOut } from '@/app/login/actions';

/** Who is signed in, in which teams and with what role, and the way out. */
export function UserMenu({ me }: { me: WhoAmIDto | null }) {
  return (
    <div className="user-menu" data-testid="user-menu">
      {me ? (
        <span className="user-menu__who">
          <span data-testid="user-email">{me.user.email}</span>
          {me.teams.length > 0 ? (
            <span className="user-menu__teams" data-testid="user-teams">
              {me.teams.map((t, i) => (
                <span key={t.teamId}>
                  {i > 0 ? ', ' : ''}
                  <Link href={`/teams/${t.teamId}`} data-team-slug={t.slug}>
                    {t.slug}
                  </Link>{' '}
                  <span className="user-menu__role">({t.role})</span>
                </span>
              ))}
            </span>
          ) : (
            <span className="user-menu__teams">no team yet</span>
          )}
        </span>
      ) : (
        <span className="user-menu__who">signed in</span>
      )}
      <form action={signOut}>
        <button type="submit" className="user-menu__signout" data-testid="sign-out">
          Sign out
        </button>
      </form>
    </div>
  );
}
