'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { ApiFailure, apiBaseUrl, apiClient, failureText, login, settle } from '@/lib/api-client';
import { cameOverHttps, SESSION_COOKIE, safeNextPath, sessionCookieOptions } from '@/lib/session';

export interface SignInState {
  error: string | null;
  /** What the user typed, to keep in the form after a failure (never the password). */
  email: string;
}

/** The orchestrator's answer in words a person signing in can act on. */
async function signInError(err: unknown): Promise<string> {
  if (!(err instanceof ApiFailure)) return err instanceof Error ? err.message : String(err);
  const t = await getTranslations('login');
  if (err.kind === 'unreachable') return t('unreachable', { url: err.url });
  if (err.status === 401) return t('wrong');
  if (err.status === 429) {
    return err.retryAfterS ? t('tooManyWait', { seconds: err.retryAfterS }) : t('tooMany');
  }
  if (err.status === 400) return err.body?.message ?? t('enterBoth');
  return failureText(await getTranslations('failures'), err);
}

/**
 * The sign-in form's action: `POST /auth/login` from the dashboard's server, then the session token in the
 * httpOnly cookie (lib/session.ts), and on to the page the user wanted.
 */
export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get('email') ?? '').trim();
  const password = String(form.get('password') ?? '');
  const next = safeNextPath(String(form.get('next') ?? ''));
  if (!email || !password) return { error: (await getTranslations('login'))('enterYours'), email };
  const request = await headers();
  const userAgent = request.get('user-agent');
  let session: Awaited<ReturnType<typeof login>>;
  try {
    session = await login(apiBaseUrl(), { email, password }, userAgent ? { 'user-agent': userAgent } : {});
  } catch (err) {
    return { error: await signInError(err), email };
  }
  const https = cameOverHttps(request.get('x-forwarded-proto'), request.get('origin'));
  (await cookies()).set(SESSION_COOKIE, session.token, sessionCookieOptions(session.expiresAt, https));
  redirect(next);
}

/** Revokes the session on the orchestrator (`POST /auth/logout`) and forgets the cookie. */
export async function signOut(): Promise<void> {
  const store = await cookies();
  const token = store.get(SESSION_COOKIE)?.value;
  // If the orchestrator cannot be reached the session is not revoked there, but this browser forgets it.
  if (token) await settle(apiClient({ base: apiBaseUrl(), token }).logout());
  store.delete({ name: SESSION_COOKIE, path: '/' });
  redirect('/login');
}
