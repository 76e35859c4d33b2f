import Link from 'next/link';

export default function NotFound() {
  return (
    <main id="main" tabIndex={-1}>
      <section className="panel">
        <h1>Page not found</h1>
        <p>
          Nothing lives at this address. <Link href="/runs">Go to the runs</Link>.
        </p>
      </section>
    </main>
  );
}
