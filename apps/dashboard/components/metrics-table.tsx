import type { EpochMetricDto } from '@reslab/contracts';
import { useFormatter } from 'next-intl';
import { fixed, formatLr, percent } from '@/lib/format';

/** Per-epoch metrics; precision, recall and F1 are macro averages over classes. */
export function MetricsTable({ metrics }: { metrics: EpochMetricDto[] }) {
  const f = useFormatter();
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Epoch metrics">
        <thead>
          <tr>
            <th scope="col" className="num">
              Epoch
            </th>
            <th scope="col">Split</th>
            <th scope="col" className="num">
              Loss
            </th>
            <th scope="col" className="num">
              Accuracy
            </th>
            <th scope="col" className="num">
              Precision <span className="muted">(macro)</span>
            </th>
            <th scope="col" className="num">
              Recall <span className="muted">(macro)</span>
            </th>
            <th scope="col" className="num">
              F1 <span className="muted">(macro)</span>
            </th>
            <th scope="col" className="num">
              LR
            </th>
            <th scope="col" className="num">
              Time (s)
            </th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={`${m.epoch}-${m.split}`} data-testid="metric-row" data-epoch={m.epoch} data-split={m.split}>
              <td className="num">{m.epoch}</td>
              <td>{m.split}</td>
              <td className="num mono">{fixed(f, m.loss, 4)}</td>
              <td className="num mono">{percent(f, m.accuracy)}</td>
              <td className="num mono">{fixed(f, m.precision, 4)}</td>
              <td className="num mono">{fixed(f, m.recall, 4)}</td>
              <td className="num mono">{fixed(f, m.f1, 4)}</td>
              <td className="num mono">{formatLr(f, m.lr)}</td>
              <td className="num mono">{fixed(f, m.seconds, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
