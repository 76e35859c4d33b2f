import { useTranslations } from 'next-intl';
import { type ApiFailure, DEFAULT_API_URL, failureText } from '@/lib/api-client';

/** What a page shows instead of data when the orchestrator cannot be read. */
export function ApiFailurePanel({ failure, title }: { failure: ApiFailure; title?: string }) {
  const t = useTranslations('live');
  const tf = useTranslations('failures');
  const heading =
    title ??
    (failure.kind === 'unreachable' ? t('apiUnreachable') : failure.kind === 'http' ? t('apiHttp') : t('apiInvalid'));
  return (
    <section className="panel panel--error" role="alert" data-testid="api-error" data-kind={failure.kind}>
      <h2>{heading}</h2>
      <p>{failureText(tf, failure)}</p>
      <p>
        {t.rich('failedUrl', {
          url: failure.url,
          code: (chunks) => <code data-testid="api-error-url">{chunks}</code>,
        })}
      </p>
      {failure.kind === 'unreachable' ? (
        <p className="muted">
          {t.rich('isRunning', { url: DEFAULT_API_URL, code: (chunks) => <code>{chunks}</code> })}
        </p>
      ) : null}
    </section>
  );
}
