import { join } from 'node:path';
import { SESSION_COOKIE } from '@reslab/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';
import { freePort, type ManagedProcess, startProcess, waitForHttp } from './processes.js';
import { type Stack, type StackOptions, startStack } from './stack.js';

export interface Dashboard {
  url: string;
  process: ManagedProcess;
}

/** Someone who signs in with a password: the stack's admin (`stack.admin`) or a user a test made. */
export interface Credentials {
  email: string;
  password: string;
}

/**
 * The built dashboard (`next start`, as `make demo` runs it) on `port` (a free one when absent), pointed at
 * `apiUrl` from the server and from the browser; resolves once `readyPath` answers. Signed-out requests to
 * any page but /login end on /login, so that is the default.
 */
export async function startDashboard(apiUrl: string, readyPath = '/login', port?: number): Promise<Dashboard> {
  const listen = port ?? (await freePort());
  const url = `http://127.0.0.1:${listen}`;
  const process = startProcess(
    'node',
    [join(REPO_ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(listen), '-H', '127.0.0.1'],
    { RESLAB_API_URL: apiUrl, NEXT_PUBLIC_RESLAB_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
    join(REPO_ROOT, 'apps/dashboard'),
  );
  await waitForHttp(`${url}${readyPath}`, 60_000);
  return { url, process };
}

/**
 * A stack and the dashboard beside it. The orchestrator admits browsers (CORS, the socket's Origin check) only
 * from the origins it is given at start, so the dashboard's port is chosen first and its origin passed in.
 */
export async function startStackWithDashboard(
  prefix: string,
  options: StackOptions = {},
): Promise<{ stack: Stack; dashboard: Dashboard }> {
  const port = await freePort();
  const stack = await startStack(prefix, { ...options, allowedOrigins: [`http://127.0.0.1:${port}`] });
  try {
    return { stack, dashboard: await startDashboard(stack.apiUrl, '/login', port) };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/**
 * Signs in as a person does: /login, e-mail and password, "Sign in"; resolves on the page the form leads to
 * (`next`, else /runs).
 */
export async function signInThroughForm(
  page: Page,
  dashboardUrl: string,
  who: Credentials,
  next?: string,
): Promise<void> {
  await page.goto(`${dashboardUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

/**
 * A browser context that is signed in without the form: POST /auth/login, as the dashboard's server does, and
 * the session token in the same httpOnly cookie the dashboard sets. Cookies are per host, not per port, so the
 * orchestrator on another port of 127.0.0.1 gets it too.
 */
export async function signedInContext(
  browser: Browser,
  apiUrl: string,
  dashboardUrl: string,
  who: Credentials,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const response = await fetch(`${apiUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  if (!response.ok) throw new Error(`sign-in of ${who.email} failed: HTTP ${response.status} ${await response.text()}`);
  const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
  const context = await browser.newContext(options);
  await context.addCookies([
    {
      name: SESSION_COOKIE,
      value: token,
      url: dashboardUrl,
      httpOnly: true,
      sameSite: 'Lax',
      expires: Math.floor(Date.parse(expiresAt) / 1000),
    },
  ]);
  return context;
}
