'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** Top-level pages, named by what a user does there. */
const PAGES = [
  { href: '/runs', label: 'Runs' },
  { href: '/compare', label: 'Compare' },
  { href: '/sweeps', label: 'Sweeps' },
  { href: '/workers', label: 'Workers' },
  { href: '/launch', label: 'Launch' },
  { href: '/teams', label: 'Teams' },
  { href: '/keys', label: 'API keys' },
] as const;

export function MainNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="main-nav">
      <ul>
        {PAGES.map(({ href, label }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href}>
              <Link href={href} aria-current={current ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
