import type { RunStatus } from '@reslab/contracts';
import { useTranslations } from 'next-intl';

/**
 * A run's status as text plus a shape, with colour only as a third cue, so it
 * reads the same for colour-blind users and in greyscale print.
 */
const STATUS_GLYPH: Record<RunStatus, string> = {
  queued: '○',
  running: '▶',
  succeeded: '✓',
  failed: '✕',
  cancelled: '⊘',
};

/** The status word is `common.status.<status>` in the catalogue. */
export function StatusBadge({ status }: { status: RunStatus }) {
  const t = useTranslations('common');
  const glyph = STATUS_GLYPH[status];
  const label = t(`status.${status}`);
  return (
    <span className={`badge badge--${status}`} data-status={status}>
      <span className="badge__glyph" aria-hidden="true">
        {glyph}
      </span>
      {label}
    </span>
  );
}
