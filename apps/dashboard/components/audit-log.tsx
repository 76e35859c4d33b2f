'use client';

import type { AuditEntryDto, AuditPage } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useApi } from '@/components/api-url';
import { useLoadMore } from '@/components/paged-lists';
import { formatTime, shortId } from '@/lib/format';

/** Credential kinds (identity.ts CREDENTIAL_PREFIX) in words (`identity.via`); `none` is a request that presented none (worker enrolment). */
function Via({ via }: { via: AuditEntryDto['via'] }) {
  const t = useTranslations('identity');
  if (!via.prefix) return <>{via.kind === 'none' ? '—' : t('via', { kind: via.kind })}</>;
  return (
    <>
      {t('via', { kind: via.kind })} <span className="mono">{via.prefix}…</span>
    </>
  );
}

/** Objects the dashboard has a page for. */
const TARGET_PAGE: Record<string, (id: string) => string> = {
  run: (id) => `/runs/${id}`,
  sweep: (id) => `/sweeps/${id}`,
  team: (id) => `/teams/${id}`,
};

function Target({ entry }: { entry: AuditEntryDto }) {
  const t = useTranslations('identity');
  if (!entry.targetId) return <>{entry.targetType}</>;
  const page = TARGET_PAGE[entry.targetType];
  const label = t('target', { type: entry.targetType, id: shortId(entry.targetId) });
  return page && entry.action !== 'team.delete' ? (
    <Link href={page(entry.targetId)} className="mono">
      {label}
    </Link>
  ) : (
    <span className="mono" title={entry.targetId}>
      {label}
    </span>
  );
}

/** Who did what to which object, when, and through which credential; newest first, "Load more" pages back. */
export function AuditLog({ teamId, first }: { teamId: string; first: AuditPage }) {
  const f = useFormatter();
  const t = useTranslations('identity');
  const api = useApi();
  const { items, button } = useLoadMore(first, (cursor) => api.auditPage(teamId, { cursor, limit: 50 }));
  if (items.length === 0) {
    return (
      <p className="panel empty" data-testid="audit-empty">
        {t('auditEmpty')}
      </p>
    );
  }
  return (
    <>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="audit-heading" data-testid="audit-log">
          <thead>
            <tr>
              <th scope="col">{t('colWhen')}</th>
              <th scope="col">{t('colWho')}</th>
              <th scope="col">{t('colWhat')}</th>
              <th scope="col">{t('colTarget')}</th>
              <th scope="col">{t('colVia')}</th>
              <th scope="col">{t('colFrom')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                <td>
                  <time dateTime={e.at}>{formatTime(f, e.at)}</time>
                </td>
                <td>{e.actor.email ?? (e.actor.userId ? shortId(e.actor.userId) : t('aWorker'))}</td>
                <th scope="row" className="mono">
                  {e.action}
                </th>
                <td>
                  <Target entry={e} />
                </td>
                <td>
                  <Via via={e.via} />
                </td>
                <td className="mono">{e.address ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {button}
    </>
  );
}
