'use client';

/** Errors a signed-in page did not handle itself, shown under the navigation (API failures are handled in the pages). */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="panel panel--error" role="alert">
      <h1>Something went wrong</h1>
      <p>{error.digest ? `The server failed to render this page (digest ${error.digest}).` : error.message}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
