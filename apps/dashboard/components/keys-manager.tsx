'use client';

import type { ApiKeyDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { CopyButton } from '@/components/copy-button';
import { endOfDayUtc, formatTime } from '@/lib/format';
import { createKeyAction, revokeKeyAction } from '@/lib/identity-actions';

type KeyState = 'active' | 'revoked' | 'expired';

function keyState(key: ApiKeyDto, now: number | null): KeyState {
  if (key.revokedAt) return 'revoked';
  if (now !== null && key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The caller's keys: make one (its secret shown once, with a copy button), and revoke. */
export function KeysManager({ initial }: { initial: ApiKeyDto[] }) {
  const f = useFormatter();
  const t = useTranslations('identity');
  const id = useId();
  const [keys, setKeys] = useState(initial);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => setNow(Date.now()), []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError(t('keyNameNeeded'));
      return;
    }
    setBusy(true);
    setError(null);
    const result = await createKeyAction(name.trim(), endOfDayUtc(expires));
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setSecret({ name: result.data.key.name, value: result.data.secret });
    setKeys((shown) => [result.data.key, ...shown]);
    setName('');
    setExpires('');
  };
  const revoke = async (keyId: string) => {
    setError(null);
    const result = await revokeKeyAction(keyId);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setKeys((shown) => shown.map((k) => (k.id === keyId ? result.data : k)));
  };

  return (
    <>
      <section aria-labelledby={`${id}-new`}>
        <h2 id={`${id}-new`}>{t('newKey')}</h2>
        <form className="inline-form" onSubmit={create} noValidate data-testid="key-form">
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('name')}</label>
            <input
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={200}
              placeholder={t('keyNamePlaceholder')}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-expires`}>{t('expiresOptional')}</label>
            <input
              id={`${id}-expires`}
              type="date"
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
              aria-describedby={`${id}-expires-hint`}
            />
            <span id={`${id}-expires-hint`} className="muted small">
              {t('expiresHint')}
            </span>
          </div>
          <button type="submit" className="primary" disabled={busy} data-testid="key-create">
            {busy ? t('creating') : t('createKey')}
          </button>
        </form>
        {error ? (
          <p role="alert" className="error-text">
            {error}
          </p>
        ) : null}
        {secret ? (
          <div className="panel" data-testid="key-secret-panel">
            <p>
              {t.rich('copyNow', {
                name: secret.name,
                strong: (chunks) => <strong>{chunks}</strong>,
                code: (chunks) => <code>{chunks}</code>,
              })}
            </p>
            <div className="secret">
              <label htmlFor={`${id}-secret`} className="visually-hidden">
                {t('secretOf', { name: secret.name })}
              </label>
              <input
                id={`${id}-secret`}
                readOnly
                value={secret.value}
                data-testid="key-secret"
                onFocus={(e) => e.target.select()}
              />
              <CopyButton text={secret.value} fieldId={`${id}-secret`} testId="key-copy" />
              <button type="button" onClick={() => setSecret(null)}>
                {t('done')}
              </button>
            </div>
          </div>
        ) : null}
      </section>
      <section aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>{t('yourKeys')}</h2>
        {keys.length === 0 ? (
          <p className="panel empty" data-testid="keys-empty">
            {t('noKeys')}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="data-table" aria-labelledby={`${id}-list`}>
              <thead>
                <tr>
                  <th scope="col">{t('name')}</th>
                  <th scope="col">{t('colKey')}</th>
                  <th scope="col">{t('colCreated')}</th>
                  <th scope="col">{t('colExpires')}</th>
                  <th scope="col">{t('colLastUsed')}</th>
                  <th scope="col">{t('colState')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('colAction')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => {
                  const state = keyState(k, now);
                  return (
                    <tr key={k.id} data-testid="key-row" data-key-id={k.id} data-state={state}>
                      <th scope="row">{k.name}</th>
                      <td className="mono">{k.prefix}…</td>
                      <td>{formatTime(f, k.createdAt)}</td>
                      <td>{k.expiresAt ? formatTime(f, k.expiresAt) : t('never')}</td>
                      <td>{k.lastUsedAt ? formatTime(f, k.lastUsedAt) : t('never')}</td>
                      <td>
                        {state === 'revoked'
                          ? t('revokedAt', { time: formatTime(f, k.revokedAt) })
                          : t('keyState', { state })}
                      </td>
                      <td>
                        {state === 'active' ? (
                          <button type="button" onClick={() => revoke(k.id)} data-testid="key-revoke">
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
        )}
      </section>
    </>
  );
}
