import { RUN_STATUSES, type RunStatus } from '@reslab/contracts';
import { useTranslations } from 'next-intl';
import { StatusBadge } from '@/components/status-badge';

/** Runs per status, in lifecycle order, skipping statuses with none. */
export function StatusCounts({ counts }: { counts: Partial<Record<RunStatus, number>> }) {
  const t = useTranslations('common');
  const present = RUN_STATUSES.filter((s) => (counts[s] ?? 0) > 0);
  if (present.length === 0) return <span className="muted">{t('noRuns')}</span>;
  return (
    <span className="counts" data-testid="status-counts">
      {present.map((s) => (
        <span key={s} className="counts__item" data-status={s} data-count={counts[s]}>
          <StatusBadge status={s} /> <span className="mono">{counts[s]}</span>
        </span>
      ))}
    </span>
  );
}

export function countStatuses(statuses: RunStatus[]): Partial<Record<RunStatus, number>> {
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}
