/**
 * Signing in and out, the parts that need no framework: which paths are open
 * without an account, where /login sends the user afterwards, and the session
 * cookie's attributes. proxy.ts, lib/server-api.ts and app/login use them.
 */
import { SESSION_COOKIE } from '@reslab/contracts';

export { SESSION_COOKIE };

/** Request header proxy.ts sets to the page's path and query, so server code can send a 401 back to /login?next=. */
export const PATH_HEADER = 'x-reslab-path';

/** The sign-in page, and share links (`/s/<token>`), which open without an account. */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/login' || pathname.startsWith('/login/') || pathname.startsWith('/s/');
}

/** An origin no request has, to resolve `next` against: whatever leaves it is off-site. */
const HERE = 'http://dashboard.invalid';

/**
 * Where to go after signing in: a path of this dashboard only. Anything else (`//evil.example`, `https://…`,
 * `/\evil.example`, a path with a tab or newline in it, the login page itself) becomes `/runs`, so the `next`
 * parameter cannot send a user off-site. The answer is the path as the URL parser reads it, not as given.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next?.startsWith('/')) return '/runs';
  let url: URL;
  try {
    url = new URL(next, HERE);
  } catch {
    return '/runs';
  }
  if (url.origin !== HERE || url.pathname === '/' || isPublicPath(url.pathname)) return '/runs';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/login?next=<path>`; the plain login page when the path is not worth returning to. */
export function loginPath(next?: string | null): string {
  const target = safeNextPath(next);
  return target === '/runs' ? '/login' : `/login?next=${encodeURIComponent(target)}`;
}

export interface SessionCookieOptions {
  httpOnly: true;
  sameSite: 'lax';
  path: '/';
  secure: boolean;
  expires: Date;
}

/**
 * The session cookie: httpOnly (no script reads it), SameSite=Lax (sent on top-level navigation and to the
 * orchestrator on another port of the same host, not on cross-site subrequests), the whole site, and gone
 * when the session expires. `Secure` when the dashboard was reached over https.
 */
export function sessionCookieOptions(expiresAt: string, https: boolean): SessionCookieOptions {
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: https, expires: new Date(expiresAt) };
}

/** Whether the request came over https: `x-forwarded-proto`, which a proxy in front sets and Next.js fills in. */
export function cameOverHttps(forwardedProto: string | null, origin?: string | null): boolean {
  const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase();
  if (proto) return proto === 'https';
  return origin?.toLowerCase().startsWith('https:') ?? false;
}
