'use client';

import type { SweepDetailDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useMemo, useState } from 'react';
import { useApi, useReadOnly } from '@/components/api-url';
import { commonParams, type SweepAnalysisRow, sweepAnalysisRows } from '@/lib/analysis-results';
import { failureText } from '@/lib/api-client';
import { type Formatter, percent } from '@/lib/format';

const num = (f: Formatter, v: number | null) => (v === null ? '—' : f.number(v, { maximumSignificantDigits: 3 }));
const err = (f: Formatter, v: number | null) => (v === null ? '—' : percent(f, v, 1));

/**
 * The sweep's analyses side by side, one row per net (architecture and depth), means over its runs: the lesion
 * study's intact and single-deletion error and error at k deleted blocks, the curvature, and links to landscapes,
 * so plain against residual reads at a glance. Read once when the page opens (GET /sweeps/:id/analyses).
 */
export function SweepAnalyses({ sweep }: { sweep: SweepDetailDto }) {
  const api = useApi();
  const readOnly = useReadOnly();
  const t = useTranslations('analyses');
  const tf = useTranslations('failures');
  const f = useFormatter();
  const [loaded, setLoaded] = useState<{ rows: SweepAnalysisRow[]; compared: string[] } | { error: string } | null>(
    null,
  );
  const runs = sweep.runs;

  useEffect(() => {
    let current = true;
    api
      .listSweepAnalyses(sweep.id)
      .then((list) => {
        const compared = (['lesion', 'curvature', 'landscape'] as const).flatMap((kind) => {
          const params = commonParams(list.items, kind);
          return params
            ? [
                `${kind}: ${Object.entries(params)
                  .map(([k, v]) => `${k} ${String(v)}`)
                  .join(' · ')}`,
              ]
            : [];
        });
        if (current) setLoaded({ rows: sweepAnalysisRows(runs, list.items), compared });
      })
      .catch((e: unknown) => current && setLoaded({ error: failureText(tf, e) }));
    return () => {
      current = false;
    };
  }, [api, sweep.id, runs, tf]);

  const maxK = useMemo(
    () => (loaded && 'rows' in loaded ? Math.max(0, ...loaded.rows.map((r) => r.errorAtK.length)) : 0),
    [loaded],
  );
  const shownK = Math.min(maxK, 4);

  return (
    <section aria-labelledby="sweep-analyses-heading" data-testid="sweep-analyses">
      <h2 id="sweep-analyses-heading">{t('sweepHeading')}</h2>
      <p className="explain">{t('sweepExplain')}</p>
      {loaded === null ? <p className="muted">{t('sweepLoading')}</p> : null}
      {loaded && 'error' in loaded ? (
        <p className="panel panel--error">{t('sweepFailed', { error: loaded.error })}</p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length === 0 ? (
        <p className="panel empty" data-testid="sweep-analyses-empty">
          {t('sweepEmpty')}
        </p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length > 0 ? (
        <p className="muted small" data-testid="sweep-analyses-params">
          {t('sweepParams', { params: loaded.compared.join('; ') })}
        </p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table" aria-label={t('sweepTableLabel')} data-testid="sweep-analyses-table">
            <thead>
              <tr>
                <th scope="col">{t('colNet')}</th>
                <th scope="col" className="num">
                  {t('colRuns')}
                </th>
                <th scope="col" className="num">
                  {t('colIntact')}
                </th>
                <th scope="col" className="num">
                  {t('colOneDeleted')}
                </th>
                {Array.from({ length: shownK }, (_, k) => (
                  <th key={k} scope="col" className="num">
                    {t('colKDeleted', { k: k + 1 })}
                  </th>
                ))}
                <th scope="col" className="num">
                  {t.rich('colTopEigen', { sub: (chunks) => <sub>{chunks}</sub> })}
                </th>
                <th scope="col" className="num">
                  {t('colTrace')}
                </th>
                <th scope="col">{t('colLandscapes')}</th>
              </tr>
            </thead>
            <tbody>
              {loaded.rows.map((r) => (
                <tr key={`${r.arch}-${r.depth}`} data-testid="sweep-analysis-row" data-net={`${r.arch}${r.depth}`}>
                  <th scope="row" className="mono">
                    {r.arch}-{r.depth}
                  </th>
                  <td className="num">{r.runs}</td>
                  <td className="num mono">{err(f, r.baselineError)}</td>
                  <td className="num mono" data-testid="sweep-block-error">
                    {err(f, r.blockError)}
                  </td>
                  {Array.from({ length: shownK }, (_, k) => (
                    <td key={k} className="num mono">
                      {err(f, r.errorAtK[k] ?? null)}
                    </td>
                  ))}
                  <td className="num mono">{num(f, r.topEigenvalue)}</td>
                  <td className="num mono">{num(f, r.trace)}</td>
                  <td>
                    {r.landscapes.length === 0
                      ? '—'
                      : r.landscapes.map((l, i) =>
                          readOnly ? (
                            <span key={l.analysisId}>{t('runN', { n: i + 1 })} </span>
                          ) : (
                            <Link key={l.analysisId} href={`/runs/${l.runId}#landscape-heading`}>
                              {t('runN', { n: i + 1 })}{' '}
                            </Link>
                          ),
                        )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
