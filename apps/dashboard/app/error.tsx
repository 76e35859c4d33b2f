'use client';

/** Last resort for errors a page did not handle itself (API failures are handled in the pages). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main id="main" tabIndex={-1}>
      <section className="panel panel--error" role="alert">
        <h1>Something went wrong</h1>
        <p>{error.digest ? `The server failed to render this page (digest ${error.digest}).` : error.message}</p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </section>
    </main>
  );
}
