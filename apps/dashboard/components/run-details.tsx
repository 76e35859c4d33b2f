import type { ArtifactDto, EpochMetricDto, RunDto } from '@reslab/contracts';
import { useFormatter } from 'next-intl';
import type { ReactNode } from 'react';
import { classLabel } from '@/lib/class-names';
import { fixed, formatDuration, formatTime, modelLabel } from '@/lib/format';

/** Facts about one run; shared by the server-rendered page and the live view. `linkSweep` false on share pages. */
export function RunSummary({ run, linkSweep = true }: { run: RunDto; linkSweep?: boolean }) {
  const f = useFormatter();
  const rows: [string, ReactNode][] = [
    ['Run id', <code key="id">{run.id}</code>],
    ['Experiment id', <code key="exp">{run.experimentId}</code>],
    [
      'Model',
      <span key="model" className="mono">{`${modelLabel(run.config)} (shortcut ${run.config.model.shortcut})`}</span>,
    ],
    ['Dataset', run.config.data.dataset],
    ['Epochs', run.config.epochs],
    ['Attempt', `${run.attempt} of at most ${run.maxAttempts}`],
    ['Worker', run.workerId ? <code key="worker">{run.workerId}</code> : '—'],
    ['Queued', formatTime(f, run.queuedAt)],
    ['Started', formatTime(f, run.startedAt)],
    ['Finished', formatTime(f, run.finishedAt)],
    ['Duration', formatDuration(f, run.startedAt, run.finishedAt)],
  ];
  if (run.sweepId)
    rows.push([
      'Sweep',
      linkSweep ? (
        <a key="sweep" href={`/sweeps/${run.sweepId}`}>
          {run.sweepId.slice(0, 8)}
        </a>
      ) : (
        <code key="sweep">{run.sweepId.slice(0, 8)}</code>
      ),
    ]);
  if (run.exitCode !== null) rows.push(['Exit code', run.exitCode]);
  if (run.cancelRequestedAt) rows.push(['Cancel requested', formatTime(f, run.cancelRequestedAt)]);
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

export function FailureDetails({ run }: { run: RunDto }) {
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

/** Per-class precision, recall, F1 and support of one epoch and split; classes by name where the run has names. */
export function PerClassTable({ metric, classNames }: { metric: EpochMetricDto; classNames?: string[] | null }) {
  const f = useFormatter();
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={`Per-class metrics, epoch ${metric.epoch}, ${metric.split}`}>
        <thead>
          <tr>
            <th scope="col" className="num">
              Class
            </th>
            <th scope="col" className="num">
              Precision
            </th>
            <th scope="col" className="num">
              Recall
            </th>
            <th scope="col" className="num">
              F1
            </th>
            <th scope="col" className="num">
              Support
            </th>
          </tr>
        </thead>
        <tbody>
          {metric.perClass.map((c, i) => (
            <tr key={i} data-testid="class-row">
              <th scope="row" className={classNames ? undefined : 'num'} data-testid="class-name">
                {classLabel(classNames, i)}
              </th>
              <td className="num mono">{fixed(f, c.precision, 4)}</td>
              <td className="num mono">{fixed(f, c.recall, 4)}</td>
              <td className="num mono">{fixed(f, c.f1, 4)}</td>
              <td className="num mono">{c.support}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Macro</th>
            <td className="num mono">{fixed(f, metric.precision, 4)}</td>
            <td className="num mono">{fixed(f, metric.recall, 4)}</td>
            <td className="num mono">{fixed(f, metric.f1, 4)}</td>
            <td className="num mono">{metric.perClass.reduce((n, c) => n + c.support, 0)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** `downloadUrl` null: names only (a share link's token cannot go with a plain download link). */
export function ArtifactList({
  artifacts,
  downloadUrl,
}: {
  artifacts: ArtifactDto[];
  downloadUrl: ((id: string) => string) | null;
}) {
  const f = useFormatter();
  if (artifacts.length === 0) {
    return (
      <p className="panel empty" data-testid="artifacts-empty">
        No artifacts yet: checkpoints and weights appear here when the worker uploads them.
      </p>
    );
  }
  return (
    <ul className="artifact-list">
      {artifacts.map((a) => (
        <li key={a.id} data-testid="artifact">
          {downloadUrl ? (
            <a href={downloadUrl(a.id)} download>
              {a.path.split('/').pop()}
            </a>
          ) : (
            <span className="mono">{a.path.split('/').pop()}</span>
          )}{' '}
          <span className="muted small">
            {a.kind}, {formatBytes(a.sizeBytes)}, sha256 <code>{a.sha256.slice(0, 12)}…</code>,{' '}
            {formatTime(f, a.createdAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}
