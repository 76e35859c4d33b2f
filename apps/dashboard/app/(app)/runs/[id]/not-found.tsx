import Link from 'next/link';

export default function RunNotFound() {
  return (
    <section className="panel" data-testid="run-not-found">
      <h1>Run not found</h1>
      <p>
        The orchestrator knows no run with this id. <Link href="/runs">Back to all runs</Link>.
      </p>
    </section>
  );
}
