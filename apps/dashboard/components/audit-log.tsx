'use client';

import type { AuditEntryDto, AuditPage } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter } from 'next-intl';
import { useApi } from '@/components/api-url';
import { useLoadMore } from '@/components/paged-lists';
import { formatTime, shortId } from '@/lib/format';

/** Credential kinds (identity.ts CREDENTIAL_PREFIX) in words; `none` is a request that presented none (worker enrolment). */
const VIA: Record<string, string> = {
  session: 'session',
  apiKey: 'API key',
  workerSecret: 'worker secret',
  shareLink: 'share link',
  enrolment: 'enrolment token',
};

function Via({ via }: { via: AuditEntryDto['via'] }) {
  if (!via.prefix) return <>{VIA[via.kind] ?? (via.kind === 'none' ? '—' : via.kind)}</>;
  return (
    <>
      {VIA[via.kind] ?? via.kind} <span className="mono">{via.prefix}…</span>
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
  if (!entry.targetId) return <>{entry.targetType}</>;
  const page = TARGET_PAGE[entry.targetType];
  const label = `${entry.targetType} ${shortId(entry.targetId)}`;
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
  const api = useApi();
  const { items, button } = useLoadMore(first, (cursor) => api.auditPage(teamId, { cursor, limit: 50 }));
  if (items.length === 0) {
    return (
      <p className="panel empty" data-testid="audit-empty">
        Nothing recorded yet.
      </p>
    );
  }
  return (
    <>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="audit-heading" data-testid="audit-log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col">Via</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                <td>
                  <time dateTime={e.at}>{formatTime(f, e.at)}</time>
                </td>
                <td>{e.actor.email ?? (e.actor.userId ? shortId(e.actor.userId) : 'a worker')}</td>
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
