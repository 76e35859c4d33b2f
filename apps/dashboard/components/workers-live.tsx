'use client';

import type { WorkerDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { ConnectionBanner } from '@/components/connection-banner';
import { useRoom } from '@/components/use-room';
import { formatTime, shortId } from '@/lib/format';
import { applyWorkers, type Health, STALE_AFTER_SECONDS, workerHealth, workersSummary } from '@/lib/stream-fold';

/** The word is `workers.health` in the catalogue. */
const HEALTH_LOOK: Record<Health, { glyph: string; className: string }> = {
  ok: { glyph: '✓', className: 'badge--succeeded' },
  draining: { glyph: '⏸', className: 'badge--cancelled' },
  stale: { glyph: '✕', className: 'badge--failed' },
};

export function WorkersLive({ initial }: { initial: WorkerDto[] }) {
  const f = useFormatter();
  const t = useTranslations('workers');
  const [workers, setWorkers] = useState(() => applyWorkers(initial));
  const [now, setNow] = useState<number | null>(null);
  const stream = useRoom(
    { kind: 'workers' },
    {
      onSnapshot: (list) => setWorkers(applyWorkers(list)),
      onWorkers: (list) => setWorkers(applyWorkers(list)),
    },
  );
  // Heartbeat ages tick in the browser; the server render shows times only, so hydration matches.
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const { health: counts, slots, busy } = workersSummary(workers, now);

  return (
    <>
      <ConnectionBanner state={stream.state} detail={stream.detail} />
      {workers.length === 0 ? (
        <section className="panel empty" data-testid="workers-empty">
          <p>{t.rich('empty', { code: (chunks) => <code>{chunks}</code> })}</p>
        </section>
      ) : (
        <>
          <p data-testid="workers-summary">
            {t('summary', {
              n: workers.length,
              counted: counts ? 'yes' : 'no',
              ok: counts?.ok ?? 0,
              draining: counts?.draining ?? 0,
              stale: counts?.stale ?? 0,
              busy,
              slots,
              staleAfter: STALE_AFTER_SECONDS,
            })}
          </p>
          <div className="table-wrap">
            <table className="data-table" aria-label={t('tableLabel')}>
              <thead>
                <tr>
                  <th scope="col">{t('colWorker')}</th>
                  <th scope="col">{t('colStatus')}</th>
                  <th scope="col">{t('colHost')}</th>
                  <th scope="col" className="num">
                    {t('colSlots')}
                  </th>
                  <th scope="col">{t('colGpus')}</th>
                  <th scope="col">{t('colRuns')}</th>
                  <th scope="col">{t('colHeartbeat')}</th>
                </tr>
              </thead>
              <tbody>
                {workers.map((w) => {
                  const health = now === null ? null : workerHealth(w, now);
                  return (
                    <tr key={w.id} data-testid="worker-row" data-worker-id={w.id} data-health={health ?? ''}>
                      <th scope="row">
                        {w.name}
                        <div className="muted mono small">{shortId(w.id)}</div>
                      </th>
                      <td>
                        {health ? (
                          <span className={`badge ${HEALTH_LOOK[health].className}`}>
                            <span aria-hidden="true">{HEALTH_LOOK[health].glyph}</span>
                            {t('health', { health })}
                          </span>
                        ) : (
                          <span className="muted">…</span>
                        )}
                      </td>
                      <td className="mono">{w.host}</td>
                      <td className="num">
                        {w.runningRunIds.length} / {w.slots}
                      </td>
                      <td>
                        {w.gpus.length === 0
                          ? t('cpuOnly')
                          : w.gpus
                              .map((g) => `#${g.index} ${g.name} (${Math.round(g.memoryMiB / 1024)} GiB)`)
                              .join(', ')}
                      </td>
                      <td>
                        {w.runningRunIds.length === 0 ? (
                          <span className="muted">{t('idle')}</span>
                        ) : (
                          <ul className="plain-list">
                            {w.runningRunIds.map((id) => (
                              <li key={id}>
                                <Link href={`/runs/${id}`} className="mono">
                                  {shortId(id)}
                                </Link>
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td>
                        <time dateTime={w.lastHeartbeatAt}>{formatTime(f, w.lastHeartbeatAt)}</time>
                        {now !== null ? (
                          <div className="muted small" data-testid="heartbeat-age">
                            {f.relativeTime(Date.parse(w.lastHeartbeatAt), now)}
                          </div>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
