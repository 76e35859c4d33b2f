'use client';

import type { ShareDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useId, useState } from 'react';
import { CopyButton } from '@/components/copy-button';
import { formatTime } from '@/lib/format';
import { createShareAction, revokeShareAction } from '@/lib/identity-actions';
import { EXPIRY_CHOICES, expiryFromDays, type ShareTarget, shareState, sharesOf } from '@/lib/shares';

/**
 * "Share": makes a read-only link to the page's run, sweep or comparison (`POST /shares`) and shows it whole,
 * once; below, the links already made for the same object, each with "Revoke". The link opens without an
 * account, so whoever holds it sees what it shows until it is revoked or expires.
 */
export function SharePanel({ target, initial }: { target: ShareTarget; initial: ShareDto[] | null }) {
  const id = useId();
  const t = useTranslations('share');
  const f = useFormatter();
  const what = t('what', { kind: target.kind });
  const [links, setLinks] = useState<ShareDto[]>(() => sharesOf(initial ?? [], target));
  const [created, setCreated] = useState<{ url: string; shareId: string } | null>(null);
  const [days, setDays] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => setNow(Date.now()), []);

  const share = async () => {
    setBusy(true);
    setError(null);
    const result = await createShareAction(target, expiryFromDays(days, Date.now()));
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setCreated({ url: `${window.location.origin}${result.data.path}`, shareId: result.data.share.id });
    setLinks((shown) => [result.data.share, ...shown]);
  };
  const revoke = async (shareId: string) => {
    setError(null);
    const result = await revokeShareAction(shareId);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setLinks((shown) => shown.map((s) => (s.id === shareId ? result.data : s)));
    if (created?.shareId === shareId) setCreated(null);
  };

  return (
    <section className="share-panel" aria-labelledby={`${id}-heading`} data-testid="share-panel">
      <h2 id={`${id}-heading`} className="visually-hidden">
        {t('heading', { what })}
      </h2>
      <div className="actions">
        <button type="button" onClick={share} disabled={busy} data-testid="share-button">
          {busy ? t('making') : t('share')}
        </button>
        <label>
          <span className="muted">{t('expiresLabel', { what })}</span>
          <select
            value={days === null ? '' : String(days)}
            onChange={(e) => setDays(e.target.value === '' ? null : Number(e.target.value))}
            data-testid="share-expiry"
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.label} value={c.days === null ? '' : String(c.days)}>
                {t('expiry', { days: c.days === null ? 'never' : c.days })}
              </option>
            ))}
          </select>
        </label>
        {error ? (
          <span role="alert" className="error-text">
            {error}
          </span>
        ) : null}
      </div>
      {created ? (
        <div className="secret" data-testid="share-created">
          <label htmlFor={`${id}-link`}>{t('anyone', { what })}</label>
          <input
            id={`${id}-link`}
            readOnly
            value={created.url}
            data-testid="share-link"
            onFocus={(e) => e.target.select()}
          />
          <CopyButton text={created.url} fieldId={`${id}-link`} testId="share-copy" />
        </div>
      ) : null}
      {links.length > 0 ? (
        <div className="table-wrap share-links">
          <table className="data-table" aria-label={t('tableLabel', { what })}>
            <thead>
              <tr>
                <th scope="col">{t('colLink')}</th>
                <th scope="col">{t('colCreated')}</th>
                <th scope="col">{t('colExpires')}</th>
                <th scope="col">{t('colState')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('colAction')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {links.map((s) => {
                const state = now === null ? (s.revokedAt ? 'revoked' : 'active') : shareState(s, now);
                return (
                  <tr key={s.id} data-testid="share-row" data-share-id={s.id} data-state={state}>
                    <th scope="row" className="mono">
                      /s/{s.prefix}…
                    </th>
                    <td>
                      {formatTime(f, s.createdAt)}{' '}
                      <span className="muted small">{t('by', { who: s.createdBy ?? t('aTeamMember') })}</span>
                    </td>
                    <td>{s.expiresAt ? formatTime(f, s.expiresAt) : t('never')}</td>
                    <td>{t('state', { state })}</td>
                    <td>
                      {state === 'active' ? (
                        <button type="button" onClick={() => revoke(s.id)} data-testid="share-revoke">
                          {t('revoke')}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
