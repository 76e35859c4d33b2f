import type { RunDto } from '@reslab/contracts';
import Link from 'next/link';
import { StatusBadge } from '@/components/status-badge';
import { formatTime, modelLabel, shortId } from '@/lib/format';

function Time({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span className="muted">—</span>;
}

export function RunsTable({ runs }: { runs: RunDto[] }) {
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Runs, newest first">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Model</th>
            <th scope="col">Dataset</th>
            <th scope="col" className="num">
              Epochs
            </th>
            <th scope="col" className="num">
              Attempt
            </th>
            <th scope="col">Queued</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Failure reason</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-testid="run-row" data-status={run.status} data-run-id={run.id}>
              <th scope="row">
                <Link href={`/runs/${run.id}`}>{run.name ?? shortId(run.id)}</Link>
                {run.name ? <div className="muted mono small">{shortId(run.id)}</div> : null}
              </th>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td className="mono">{modelLabel(run.config)}</td>
              <td>{run.config.data.dataset}</td>
              <td className="num">{run.config.epochs}</td>
              <td className="num">{run.attempt}</td>
              <td>
                <Time iso={run.queuedAt} />
              </td>
              <td>
                <Time iso={run.startedAt} />
              </td>
              <td>
                <Time iso={run.finishedAt} />
              </td>
              <td className="reason" title={run.failureReason ?? undefined}>
                {run.failureReason ?? <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
