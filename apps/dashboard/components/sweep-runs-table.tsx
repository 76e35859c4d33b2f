'use client';

import { heldOutSplit, RUN_STATUSES, type RunStatus, type SweepRunDto as SweepRun } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useMemo, useState } from 'react';
import { useReadOnly } from '@/components/api-url';
import { StatusBadge } from '@/components/status-badge';
import { useVirtualRows, VirtualBody, VirtualScroll } from '@/components/virtual-rows';
import { MAX_COMPARE_RUNS } from '@/lib/compare';
import { formatTime, percent, shortId } from '@/lib/format';

/** px: one line per run. */
const ROW_HEIGHT = 36;
const COLUMNS = 9;

type SortKey = 'name' | 'arch' | 'depth' | 'seed' | 'status' | 'trainError' | 'heldError' | 'epoch';

/**
 * A sweep's runs, filtered and sorted in the browser (the sweep page holds them all), rendered a window at a
 * time (components/virtual-rows.tsx): a 1,000-run sweep keeps about 40 rows in the DOM.
 */
export function SweepRunsTable({ runs }: { runs: SweepRun[] }) {
  const readOnly = useReadOnly();
  const t = useTranslations('sweep');
  const tc = useTranslations('common');
  const f = useFormatter();
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'arch', desc: false });
  const held = heldOutSplit(runs);
  const rows = useMemo(() => {
    const value = (r: SweepRun, key: SortKey): string | number => {
      switch (key) {
        case 'name':
          return r.name ?? '';
        case 'arch':
          return `${r.config.model.arch}/${String(r.config.model.depth).padStart(5, '0')}/${r.config.seed}`;
        case 'depth':
          return r.config.model.depth;
        case 'seed':
          return r.config.seed;
        case 'status':
          return r.status;
        case 'trainError':
          return r.final.train ? 1 - r.final.train.accuracy : Number.POSITIVE_INFINITY;
        case 'heldError': {
          const f = r.final[held];
          return f ? 1 - f.accuracy : Number.POSITIVE_INFINITY;
        }
        case 'epoch':
          return r.final.train?.epoch ?? 0;
      }
    };
    const needle = filter.trim().toLowerCase();
    return runs
      .filter((r) => !status || r.status === status)
      .filter(
        (r) =>
          !needle ||
          `${r.name ?? ''} ${r.config.model.arch}${r.config.model.depth} seed${r.config.seed} ${r.id}`
            .toLowerCase()
            .includes(needle),
      )
      .sort((a, b) => {
        const x = value(a, sort.key);
        const y = value(b, sort.key);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return sort.desc ? -c : c;
      });
  }, [runs, filter, status, sort, held]);

  const { scrollRef, virtualizer } = useVirtualRows(rows.length, ROW_HEIGHT);

  const header = (key: SortKey, label: string, numeric = false) => (
    <th
      scope="col"
      className={numeric ? 'num' : undefined}
      aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
    >
      <button
        type="button"
        className="sort"
        onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }))}
      >
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );

  return (
    <section aria-labelledby="sweep-runs-heading">
      <h2 id="sweep-runs-heading">{t('runsHeading')}</h2>
      <div className="controls">
        <label>
          {t('filterRuns')}{' '}
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder={t('filterPlaceholder')}
          />
        </label>
        <label>
          {t('status')}{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value as RunStatus | '')}>
            <option value="">{t('anyStatus')}</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {tc(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{t('shownOf', { shown: rows.length, total: runs.length })}</span>
      </div>
      <VirtualScroll scrollRef={scrollRef} label={t('runsTableLabel')} testId="sweep-runs-scroll">
        <table className="data-table" aria-label={t('runsTableLabel')} aria-rowcount={rows.length + 1}>
          <thead>
            <tr>
              {header('name', t('colRun'))}
              {header('arch', t('colModel'))}
              {header('depth', t('colDepth'), true)}
              {header('seed', t('colSeed'), true)}
              {header('status', t('colStatus'))}
              {header('epoch', t('colEpochs'), true)}
              {header('trainError', t('colTrainError'), true)}
              {header('heldError', held === 'test' ? t('colTestError') : t('colValError'), true)}
              <th scope="col">{t('colFinished')}</th>
            </tr>
          </thead>
          <VirtualBody
            virtualizer={virtualizer}
            columns={COLUMNS}
            row={(index, rowProps) => {
              const r = rows[index] as SweepRun;
              const heldFinal = r.final[held];
              return (
                <tr key={r.id} {...rowProps} data-testid="sweep-run-row" data-run-id={r.id} data-status={r.status}>
                  <th scope="row">
                    {readOnly ? (
                      (r.name ?? shortId(r.id))
                    ) : (
                      // Not prefetched, as components/runs-table.tsx says why.
                      <Link href={`/runs/${r.id}`} prefetch={false}>
                        {r.name ?? shortId(r.id)}
                      </Link>
                    )}
                  </th>
                  <td className="mono">{r.config.model.arch}</td>
                  <td className="num">{r.config.model.depth}</td>
                  <td className="num">{r.config.seed}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="num">
                    {r.final.train?.epoch ?? 0} / {r.config.epochs}
                  </td>
                  <td className="num mono">{r.final.train ? percent(f, 1 - r.final.train.accuracy) : '—'}</td>
                  <td className="num mono">{heldFinal ? percent(f, 1 - heldFinal.accuracy) : '—'}</td>
                  <td
                    className="reason"
                    title={r.failureReason ?? undefined}
                    style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
                  >
                    {r.status === 'failed' ? (r.failureReason ?? t('noReason')) : formatTime(f, r.finishedAt)}
                  </td>
                </tr>
              );
            }}
          />
        </table>
      </VirtualScroll>
      {readOnly ? null : (
        <p>
          <Link
            prefetch={false}
            href={`/compare?${rows
              .slice(0, MAX_COMPARE_RUNS)
              .map((r) => `ids=${r.id}`)
              .join('&')}`}
          >
            {t('compareThese', { max: MAX_COMPARE_RUNS })}
          </Link>
        </p>
      )}
    </section>
  );
}
