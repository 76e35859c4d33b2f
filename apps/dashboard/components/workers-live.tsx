'use client';

import type { WorkerDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter } from 'next-intl';
import { useEffect, useState } from 'react';
import { useStreamConnection } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { formatTime, shortId } from '@/lib/format';
import { type StreamState, subscribe } from '@/lib/stream-client';
import { applyWorkers, type Health, STALE_AFTER_SECONDS, workerHealth, workersSummary } from '@/lib/stream-fold';

const HEALTH_LOOK: Record<Health, { glyph: string; label: string; className: string }> = {
  ok: { glyph: '✓', label: 'OK', className: 'badge--succeeded' },
  draining: { glyph: '⏸', label: 'Draining', className: 'badge--cancelled' },
  stale: { glyph: '✕', label: 'Stale', className: 'badge--failed' },
};

function age(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

export function WorkersLive({ initial }: { initial: WorkerDto[] }) {
  const f = useFormatter();
  const connection = useStreamConnection();
  const [workers, setWorkers] = useState(() => applyWorkers(initial));
  const [now, setNow] = useState<number | null>(null);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string }>({ state: 'connecting' });

  useEffect(
    () =>
      subscribe(
        connection,
        { kind: 'workers' },
        {
          onSnapshot: (list) => setWorkers(applyWorkers(list)),
          onWorkers: (list) => setWorkers(applyWorkers(list)),
          onState: (state, detail) => setStream({ state, detail }),
        },
      ),
    [connection],
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
          <p>
            No worker has registered. Start one with <code>node apps/worker/dist/main.js --name my-worker</code>; it
            appears here on its first heartbeat.
          </p>
        </section>
      ) : (
        <>
          <p data-testid="workers-summary">
            {workers.length} worker{workers.length === 1 ? '' : 's'}
            {counts ? `: ${counts.ok} ok, ${counts.draining} draining, ${counts.stale} stale` : ''}; {busy} of {slots}{' '}
            slots busy. A worker is stale when its last heartbeat is older than {STALE_AFTER_SECONDS} s.
          </p>
          <div className="table-wrap">
            <table className="data-table" aria-label="Workers">
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Status</th>
                  <th scope="col">Host</th>
                  <th scope="col" className="num">
                    Slots busy
                  </th>
                  <th scope="col">GPUs</th>
                  <th scope="col">Current runs</th>
                  <th scope="col">Last heartbeat</th>
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
                            {HEALTH_LOOK[health].label}
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
                          ? 'CPU only'
                          : w.gpus
                              .map((g) => `#${g.index} ${g.name} (${Math.round(g.memoryMiB / 1024)} GiB)`)
                              .join(', ')}
                      </td>
                      <td>
                        {w.runningRunIds.length === 0 ? (
                          <span className="muted">idle</span>
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
                            {age((now - Date.parse(w.lastHeartbeatAt)) / 1000)}
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
