/** A share link that no longer opens anything: revoked, expired, or never made. Served with status 404. */
export default function ShareNotFound() {
  return (
    <section className="panel" data-testid="share-revoked">
      <h1>This link was revoked or has expired</h1>
      <p>Whoever shared it can make you a new one. Nothing behind this link can be seen without it.</p>
    </section>
  );
}
