import type { RunDto } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache, type ReactNode } from 'react';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { MetricsTable } from '@/components/metrics-table';
import { StatusBadge } from '@/components/status-badge';
import { getRun, isRunId, listRunMetrics, settle } from '@/lib/api-client';
import { formatDuration, formatTime, modelLabel, shortId } from '@/lib/format';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

/** One fetch per request, shared by the metadata and the page. */
const loadRun = cache((id: string) => settle(getRun(id)));

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  const result = await loadRun(id);
  const run = result.ok ? result.data : null;
  return { title: run ? (run.name ?? `Run ${shortId(run.id)}`) : 'Run' };
}

export default async function RunPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const [runResult, metricsResult] = await Promise.all([loadRun(id), settle(listRunMetrics(id))]);

  if (!runResult.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>Run {id}</h1>
        <ApiFailurePanel failure={runResult.failure} />
      </>
    );
  }
  const run = runResult.data;
  if (!run) notFound();

  return (
    <>
      <Breadcrumb />
      <header className="run-header">
        <h1>{run.name ?? `Run ${shortId(run.id)}`}</h1>
        <StatusBadge status={run.status} />
      </header>
      <RunSummary run={run} />

      {run.status === 'failed' ? <FailureDetails run={run} /> : null}

      <section aria-labelledby="metrics-heading">
        <h2 id="metrics-heading">Epoch metrics</h2>
        {!metricsResult.ok ? (
          <ApiFailurePanel failure={metricsResult.failure} title="Could not load this run's metrics" />
        ) : metricsResult.data.length === 0 ? (
          <p className="panel empty" data-testid="metrics-empty">
            {run.status === 'queued' || run.status === 'running'
              ? 'No epoch has finished yet; metrics appear here after each epoch.'
              : 'This run recorded no epoch metrics.'}
          </p>
        ) : (
          <MetricsTable metrics={metricsResult.data} />
        )}
      </section>

      <section aria-labelledby="config-heading">
        <h2 id="config-heading">Config</h2>
        <pre className="code-block" data-testid="run-config">
          {JSON.stringify(run.config, null, 2)}
        </pre>
      </section>
    </>
  );
}

function Breadcrumb() {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/runs">← All runs</Link>
    </nav>
  );
}

function RunSummary({ run }: { run: RunDto }) {
  const rows: [string, ReactNode][] = [
    ['Run id', <code key="id">{run.id}</code>],
    ['Experiment id', <code key="exp">{run.experimentId}</code>],
    [
      'Model',
      <span key="model" className="mono">{`${modelLabel(run.config)} (shortcut ${run.config.model.shortcut})`}</span>,
    ],
    ['Dataset', run.config.data.dataset],
    ['Epochs', run.config.epochs],
    ['Attempt', run.attempt],
    ['Worker', run.workerId ? <code key="worker">{run.workerId}</code> : '—'],
    ['Queued', formatTime(run.queuedAt)],
    ['Started', formatTime(run.startedAt)],
    ['Finished', formatTime(run.finishedAt)],
    ['Duration', formatDuration(run.startedAt, run.finishedAt)],
  ];
  if (run.exitCode !== null) rows.push(['Exit code', run.exitCode]);
  return (
    <dl className="summary" data-testid="run-summary">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function FailureDetails({ run }: { run: RunDto }) {
  return (
    <section className="panel panel--error" aria-labelledby="failure-heading" data-testid="run-failure">
      <h2 id="failure-heading">Why it failed</h2>
      <p>{run.failureReason ?? 'The worker gave no reason.'}</p>
      {run.exitCode !== null ? <p className="muted">Exit code {run.exitCode}</p> : null}
      {run.stderrTail ? (
        <>
          <h3>Last lines of stderr</h3>
          <pre className="code-block" data-testid="run-stderr">
            {run.stderrTail}
          </pre>
        </>
      ) : null}
    </section>
  );
}
