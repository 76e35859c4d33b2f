import type { EpochMetricDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { fixed, formatLr, percent } from '@/lib/format';

/** Per-epoch metrics; precision, recall and F1 are macro averages over classes. */
export function MetricsTable({ metrics }: { metrics: EpochMetricDto[] }) {
  const f = useFormatter();
  const t = useTranslations('run');
  const tc = useTranslations('common');
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={t('metricsLabel')}>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('colEpoch')}
            </th>
            <th scope="col">{t('colSplit')}</th>
            <th scope="col" className="num">
              {t('colLoss')}
            </th>
            <th scope="col" className="num">
              {t('colAccuracy')}
            </th>
            <th scope="col" className="num">
              {t('colPrecision')} <span className="muted">{t('macroNote')}</span>
            </th>
            <th scope="col" className="num">
              {t('colRecall')} <span className="muted">{t('macroNote')}</span>
            </th>
            <th scope="col" className="num">
              {t('colF1')} <span className="muted">{t('macroNote')}</span>
            </th>
            <th scope="col" className="num">
              {t('colLr')}
            </th>
            <th scope="col" className="num">
              {t('colTime')}
            </th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={`${m.epoch}-${m.split}`} data-testid="metric-row" data-epoch={m.epoch} data-split={m.split}>
              <td className="num">{m.epoch}</td>
              <td>{tc('split', { split: m.split })}</td>
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
