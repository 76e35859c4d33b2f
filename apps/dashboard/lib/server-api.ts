/**
 * The API client as the dashboard's server uses it: RESLAB_API_URL, with the
 * caller's credential as `Authorization: Bearer`. Server components, server
 * actions and route handlers only (it reads next/headers). The client itself is
 * lib/api-client.ts, on the contracts' requestJson; this only says whose it is.
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { type ApiClient, apiBaseUrl, apiClient } from '@/lib/api-client';
import { loginPath, PATH_HEADER, SESSION_COOKIE } from '@/lib/session';

/** The signed-in caller's session token, from the httpOnly cookie; undefined when signed out. */
export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value || undefined;
}

/**
 * The client for the caller's own requests: their session goes with every one, and a 401 (session expired,
 * revoked, or never there) sends them to /login, to come back to the page they were on.
 */
export async function serverApi(): Promise<ApiClient> {
  const token = await sessionToken();
  const here = (await headers()).get(PATH_HEADER);
  return apiClient({
    base: apiBaseUrl(),
    token,
    onUnauthorized: () => redirect(loginPath(here)),
  });
}

/** The client for a share page: the link's token is the only credential; no cookie, no redirect. */
export function shareApi(token: string): ApiClient {
  return apiClient({ base: apiBaseUrl(), token });
}
