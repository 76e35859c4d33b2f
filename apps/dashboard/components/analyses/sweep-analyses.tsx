'use client';

import type { SweepDetailDto } from '@reslab/contracts';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { useApi, useReadOnly } from '@/components/api-url';
import { commonParams, type SweepAnalysisRow, sweepAnalysisRows } from '@/lib/analysis-results';
import { failureText } from '@/lib/api-client';
import { percent } from '@/lib/format';

const num = (v: number | null) => (v === null ? '—' : Number(v.toPrecision(3)).toString());
const err = (v: number | null) => (v === null ? '—' : percent(v, 1));

/**
 * The sweep's analyses side by side, one row per net (architecture and depth), means over its runs: the lesion
 * study's intact and single-deletion error and error at k deleted blocks, the curvature, and links to landscapes,
 * so plain against residual reads at a glance. Read once when the page opens (GET /sweeps/:id/analyses).
 */
export function SweepAnalyses({ sweep }: { sweep: SweepDetailDto }) {
  const api = useApi();
  const readOnly = useReadOnly();
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
      .catch((e: unknown) => current && setLoaded({ error: failureText(e) }));
    return () => {
      current = false;
    };
  }, [api, sweep.id, runs]);

  const maxK = useMemo(
    () => (loaded && 'rows' in loaded ? Math.max(0, ...loaded.rows.map((r) => r.errorAtK.length)) : 0),
    [loaded],
  );
  const shownK = Math.min(maxK, 4);

  return (
    <section aria-labelledby="sweep-analyses-heading" data-testid="sweep-analyses">
      <h2 id="sweep-analyses-heading">Analyses</h2>
      <p className="explain">
        What the analyses of this sweep's runs found, one row per net, means over its runs that have each analysis. A
        ResNet that behaves like an ensemble of paths (Veit et al. 2016) keeps its error near the intact net's when one
        block is deleted, while its plain twin's goes toward chance; a smoother surface (Li et al. 2018) goes with a
        smaller top eigenvalue and trace. Launch analyses from a run's page.
      </p>
      {loaded === null ? <p className="muted">Loading the analyses…</p> : null}
      {loaded && 'error' in loaded ? (
        <p className="panel panel--error">Could not load this sweep's analyses: {loaded.error}</p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length === 0 ? (
        <p className="panel empty" data-testid="sweep-analyses-empty">
          No run of this sweep has an analysis yet.
        </p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length > 0 ? (
        <p className="muted small" data-testid="sweep-analyses-params">
          Each column compares analyses made with the same params, those most runs have ({loaded.compared.join('; ')}).
        </p>
      ) : null}
      {loaded && 'rows' in loaded && loaded.rows.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table" aria-label="Analyses per net" data-testid="sweep-analyses-table">
            <thead>
              <tr>
                <th scope="col">Net</th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col" className="num">
                  Intact error
                </th>
                <th scope="col" className="num">
                  Mean error, one block deleted
                </th>
                {Array.from({ length: shownK }, (_, k) => (
                  <th key={k} scope="col" className="num">
                    Error, {k + 1} random deleted
                  </th>
                ))}
                <th scope="col" className="num">
                  λ<sub>max</sub> (nats / weight²)
                </th>
                <th scope="col" className="num">
                  Hessian trace
                </th>
                <th scope="col">Landscapes</th>
              </tr>
            </thead>
            <tbody>
              {loaded.rows.map((r) => (
                <tr key={`${r.arch}-${r.depth}`} data-testid="sweep-analysis-row" data-net={`${r.arch}${r.depth}`}>
                  <th scope="row" className="mono">
                    {r.arch}-{r.depth}
                  </th>
                  <td className="num">{r.runs}</td>
                  <td className="num mono">{err(r.baselineError)}</td>
                  <td className="num mono" data-testid="sweep-block-error">
                    {err(r.blockError)}
                  </td>
                  {Array.from({ length: shownK }, (_, k) => (
                    <td key={k} className="num mono">
                      {err(r.errorAtK[k] ?? null)}
                    </td>
                  ))}
                  <td className="num mono">{num(r.topEigenvalue)}</td>
                  <td className="num mono">{num(r.trace)}</td>
                  <td>
                    {r.landscapes.length === 0
                      ? '—'
                      : r.landscapes.map((l, i) =>
                          readOnly ? (
                            <span key={l.analysisId}>run {i + 1} </span>
                          ) : (
                            <Link key={l.analysisId} href={`/runs/${l.runId}#landscape-heading`}>
                              run {i + 1}{' '}
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
