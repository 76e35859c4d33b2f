'use client';

import { type MemberDto, roleAtLeast, TEAM_ROLES, type TeamRole } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { type FormEvent, useId, useState } from 'react';
import { formatTime } from '@/lib/format';
import { putMemberAction, removeMemberAction } from '@/lib/identity-actions';

/** The team's members with their roles; admins and owners add people by e-mail, change roles and remove them. */
export function TeamMembers({
  teamId,
  initial,
  callerRole,
  callerId,
}: {
  teamId: string;
  initial: MemberDto[];
  callerRole: TeamRole;
  callerId: string | null;
}) {
  const f = useFormatter();
  const t = useTranslations('identity');
  const tp = useTranslations('pages');
  const id = useId();
  const [members, setMembers] = useState(initial);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const manages = roleAtLeast(callerRole, 'admin');
  // Only an owner grants `owner`.
  const grantable = TEAM_ROLES.filter((r) => r !== 'owner' || callerRole === 'owner');

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) {
      setError(t('emailNeeded'));
      return;
    }
    setBusy(true);
    setError(null);
    const result = await putMemberAction(teamId, email.trim(), role);
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    const member = result.data;
    setMembers((shown) =>
      shown.some((m) => m.userId === member.userId)
        ? shown.map((m) => (m.userId === member.userId ? member : m))
        : [...shown, member],
    );
    setEmail('');
  };
  const remove = async (userId: string) => {
    setError(null);
    const result = await removeMemberAction(teamId, userId);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setMembers((shown) => shown.filter((m) => m.userId !== userId));
  };

  return (
    <>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('membersLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('email')}</th>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('role')}</th>
              <th scope="col">{t('memberSince')}</th>
              {manages ? (
                <th scope="col">
                  <span className="visually-hidden">{t('colAction')}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId} data-testid="member-row" data-email={m.email} data-role={m.role}>
                <th scope="row">
                  {m.email}
                  {m.userId === callerId ? <span className="muted">{t('you')}</span> : null}
                </th>
                <td>{m.name}</td>
                <td title={t('roleMeans', { role: m.role })}>{tp('roleName', { role: m.role })}</td>
                <td>{formatTime(f, m.since)}</td>
                {manages ? (
                  <td>
                    {m.userId !== callerId && (m.role !== 'owner' || callerRole === 'owner') ? (
                      <button type="button" onClick={() => remove(m.userId)} data-testid="member-remove">
                        {t('remove')}
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {manages ? (
        <form className="inline-form" onSubmit={add} noValidate aria-labelledby={`${id}-add`} data-testid="member-form">
          <h3 id={`${id}-add`} className="visually-hidden">
            {t('addHeading')}
          </h3>
          <div className="field">
            <label htmlFor={`${id}-email`}>{t('email')}</label>
            <input
              id={`${id}-email`}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder={t('emailPlaceholder')}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-role`}>{t('role')}</label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
              {grantable.map((r) => (
                <option key={r} value={r}>
                  {t('roleOption', { role: tp('roleName', { role: r }), means: t('roleMeans', { role: r }) })}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={busy} data-testid="member-add">
            {busy ? t('saving') : t('addOrChange')}
          </button>
        </form>
      ) : null}
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </>
  );
}
