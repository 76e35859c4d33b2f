import type { StreamState } from '@/lib/stream-client';

const TEXT: Record<StreamState, string> = {
  connecting: 'Connecting to the live stream…',
  live: 'Live: updates without reload',
  offline: 'Live stream offline; reconnecting (nothing is lost, missed events replay)',
  error: 'Live stream refused',
};

/** Whether the page is receiving live updates, in words. */
export function StreamStatus({ state, detail }: { state: StreamState; detail?: string }) {
  return (
    <p
      className={`stream stream--${state}`}
      role="status"
      aria-live="polite"
      data-testid="stream-state"
      data-state={state}
    >
      <span aria-hidden="true" className="stream__dot" /> {TEXT[state]}
      {detail ? <span className="muted small"> ({detail})</span> : null}
    </p>
  );
}
