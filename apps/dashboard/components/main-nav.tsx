'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useTranslations } from 'next-intl';

/** Top-level pages, named by what a user does there (`label`: the key in the `nav` catalogue). */
const PAGES = [
  { href: '/runs', label: 'runs' },
  { href: '/compare', label: 'compare' },
  { href: '/sweeps', label: 'sweeps' },
  { href: '/workers', label: 'workers' },
  { href: '/launch', label: 'launch' },
  { href: '/teams', label: 'teams' },
  { href: '/keys', label: 'keys' },
] as const;

export function MainNav() {
  const pathname = usePathname();
  const t = useTranslations('nav');
  return (
    <nav aria-label={t('mainLabel')} className="main-nav">
      <ul>
        {PAGES.map(({ href, label }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href}>
              <Link href={href} aria-current={current ? 'page' : undefined}>
                {t(label)}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
