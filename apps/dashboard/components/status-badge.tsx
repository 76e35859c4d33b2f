import type { RunStatus } from '@reslab/contracts';

/**
 * A run's status as text plus a shape, with colour only as a third cue, so it
 * reads the same for colour-blind users and in greyscale print.
 */
const STATUS_LOOK: Record<RunStatus, { label: string; glyph: string }> = {
  queued: { label: 'Queued', glyph: '○' },
  running: { label: 'Running', glyph: '▶' },
  succeeded: { label: 'Succeeded', glyph: '✓' },
  failed: { label: 'Failed', glyph: '✕' },
  cancelled: { label: 'Cancelled', glyph: '⊘' },
};

export function statusLabel(status: RunStatus): string {
  return STATUS_LOOK[status].label;
}

export function StatusBadge({ status }: { status: RunStatus }) {
  const { label, glyph } = STATUS_LOOK[status];
  return (
    <span className={`badge badge--${status}`} data-status={status}>
      <span className="badge__glyph" aria-hidden="true">
        {glyph}
      </span>
      {label}
    </span>
  );
}
