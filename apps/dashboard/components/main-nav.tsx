'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** Top-level pages, named by what a user does there. Later: compare, sweeps, workers, launch. */
const PAGES = [{ href: '/runs', label: 'Runs' }] as const;

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
