import type { Metadata } from 'next';
import { LoginForm } from '@/app/login/login-form';
import { safeNextPath } from '@/lib/session';

export const metadata: Metadata = { title: 'Sign in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).next;
  const next = safeNextPath(Array.isArray(raw) ? raw[0] : raw);
  return (
    <>
      <header className="site-header">
        <span className="brand">ResLab</span>
      </header>
      <main id="main" tabIndex={-1} className="login">
        <h1>Sign in to ResLab</h1>
        <LoginForm next={next} />
        <p className="muted small">
          No account? An instance admin creates one (<code>POST /users</code>); <code>make demo</code> prints the demo
          admin’s login.
        </p>
      </main>
    </>
  );
}
