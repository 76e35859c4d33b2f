import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { LoginForm } from '@/app/login/login-form';
import { LanguageSwitcher } from '@/components/language-switcher';
import { safeNextPath } from '@/lib/session';

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('login'))('title') };
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const t = await getTranslations('login');
  const raw = (await searchParams).next;
  const next = safeNextPath(Array.isArray(raw) ? raw[0] : raw);
  return (
    <>
      <header className="site-header">
        <span className="brand">ResLab</span>
        <LanguageSwitcher />
      </header>
      <main id="main" tabIndex={-1} className="login">
        <h1>{t('heading')}</h1>
        <LoginForm next={next} />
        <p className="muted small">{t.rich('noAccount', { code: (chunks) => <code>{chunks}</code> })}</p>
      </main>
    </>
  );
}
