import { type ApiFailure, DEFAULT_API_URL } from '@/lib/api-client';

/** What a page shows instead of data when the orchestrator cannot be read. */
export function ApiFailurePanel({ failure, title }: { failure: ApiFailure; title?: string }) {
  const heading =
    title ??
    (failure.kind === 'unreachable'
      ? 'The ResLab API is unreachable'
      : failure.kind === 'http'
        ? 'The ResLab API returned an error'
        : 'The ResLab API sent data this dashboard does not understand');
  return (
    <section className="panel panel--error" role="alert" data-testid="api-error" data-kind={failure.kind}>
      <h2>{heading}</h2>
      <p>{failure.message}</p>
      <p>
        Failed URL: <code data-testid="api-error-url">{failure.url}</code>
      </p>
      {failure.kind === 'unreachable' ? (
        <p className="muted">
          Is the orchestrator running? The dashboard reads its address from <code>RESLAB_API_URL</code> (default{' '}
          <code>{DEFAULT_API_URL}</code>).
        </p>
      ) : null}
    </section>
  );
}
