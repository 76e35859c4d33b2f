import { type NextRequest, NextResponse } from 'next/server';
import { isPublicPath, loginPath, PATH_HEADER, SESSION_COOKIE } from '@/lib/session';

/**
 * Every page but /login and share links (/s/<token>) is for signed-in users: without a session cookie the
 * browser goes to /login?next=<path>. This is the optimistic check (is there a cookie at all); whether the
 * session is still good is for the orchestrator, and a 401 from it also ends at /login (lib/server-api.ts).
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (isPublicPath(pathname)) return NextResponse.next();
  if (!request.cookies.get(SESSION_COOKIE)?.value) {
    return NextResponse.redirect(new URL(loginPath(`${pathname}${search}`), request.url));
  }
  // Server code learns the page's path from this header, to send a 401 back to /login?next=<path>.
  const forwarded = new Headers(request.headers);
  forwarded.set(PATH_HEADER, `${pathname}${search}`);
  return NextResponse.next({ request: { headers: forwarded } });
}

export const config = {
  // Pages and server actions; not the build's static files.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
