import type { ArtifactDto, EpochMetricDto, RunDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import type { ReactNode } from 'react';
import { classLabel } from '@/lib/class-names';
import { type Formatter, fixed, formatDuration, formatTime, modelLabel } from '@/lib/format';

/** Facts about one run; shared by the server-rendered page and the live view. `linkSweep` false on share pages. */
export function RunSummary({ run, linkSweep = true }: { run: RunDto; linkSweep?: boolean }) {
  const f = useFormatter();
  const t = useTranslations('run');
  const rows: [string, ReactNode][] = [
    [t('runId'), <code key="id">{run.id}</code>],
    [t('experimentId'), <code key="exp">{run.experimentId}</code>],
    [
      t('model'),
      <span key="model" className="mono">
        {t('modelShortcut', { model: modelLabel(run.config), shortcut: run.config.model.shortcut })}
      </span>,
    ],
    [t('dataset'), run.config.data.dataset],
    [t('epochs'), run.config.epochs],
    [t('attempt'), t('attemptOf', { attempt: run.attempt, max: run.maxAttempts })],
    [t('worker'), run.workerId ? <code key="worker">{run.workerId}</code> : '—'],
    [t('queued'), formatTime(f, run.queuedAt)],
    [t('started'), formatTime(f, run.startedAt)],
    [t('finished'), formatTime(f, run.finishedAt)],
    [t('duration'), formatDuration(f, run.startedAt, run.finishedAt)],
  ];
  if (run.sweepId)
    rows.push([
      t('sweep'),
      linkSweep ? (
        <a key="sweep" href={`/sweeps/${run.sweepId}`}>
          {run.sweepId.slice(0, 8)}
        </a>
      ) : (
        <code key="sweep">{run.sweepId.slice(0, 8)}</code>
      ),
    ]);
  if (run.exitCode !== null) rows.push([t('exitCode'), run.exitCode]);
  if (run.cancelRequestedAt) rows.push([t('cancelRequested'), formatTime(f, run.cancelRequestedAt)]);
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
  const t = useTranslations('run');
  return (
    <section className="panel panel--error" aria-labelledby="failure-heading" data-testid="run-failure">
      <h2 id="failure-heading">{t('whyFailed')}</h2>
      <p>{run.failureReason ?? t('noReason')}</p>
      {run.exitCode !== null ? <p className="muted">{t('exitCodeLine', { code: run.exitCode })}</p> : null}
      {run.stderrTail ? (
        <>
          <h3>{t('stderrTail')}</h3>
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
  const t = useTranslations('run');
  const tc = useTranslations('common');
  return (
    <div className="table-wrap">
      <table
        className="data-table"
        aria-label={t('perClassLabel', { epoch: metric.epoch, split: tc('split', { split: metric.split }) })}
      >
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('colClass')}
            </th>
            <th scope="col" className="num">
              {t('colPrecision')}
            </th>
            <th scope="col" className="num">
              {t('colRecall')}
            </th>
            <th scope="col" className="num">
              {t('colF1')}
            </th>
            <th scope="col" className="num">
              {t('colSupport')}
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
            <th scope="row">{t('macro')}</th>
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

/** Binary units (KiB = 1024 B), the number in the locale's digits; the unit symbols are the same in every language. */
function formatBytes(f: Formatter, n: number): string {
  if (n < 1024) return `${f.number(n)} B`;
  if (n < 1024 ** 2) return `${fixed(f, n / 1024, 1)} KiB`;
  if (n < 1024 ** 3) return `${fixed(f, n / 1024 ** 2, 1)} MiB`;
  return `${fixed(f, n / 1024 ** 3, 2)} GiB`;
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
  const t = useTranslations('run');
  if (artifacts.length === 0) {
    return (
      <p className="panel empty" data-testid="artifacts-empty">
        {t('noArtifacts')}
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
            {t.rich('artifactLine', {
              kind: a.kind,
              size: formatBytes(f, a.sizeBytes),
              sha: a.sha256.slice(0, 12),
              time: formatTime(f, a.createdAt),
              code: (chunks) => <code>{chunks}</code>,
            })}
          </span>
        </li>
      ))}
    </ul>
  );
}
