export default function Loading() {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading the sweep and its runs' curves…
    </p>
  );
}
