import { join } from 'node:path';
import type { SweepDetailDto, WhoAmIDto } from '@reslab/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { startStackWithDashboard } from '../support/dashboard.js';
import type { ManagedProcess } from '../support/processes.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, teamId } from '../support/stack.js';

/**
 * Issue 8, test 7, as a user does it in Chromium: sign in, launch a sweep, share it, open the link in a fresh
 * browser context (no cookie), watch it update live, revoke it and see the link fail. FAKE engine: the runs only
 * need to move from queued to succeeded while the shared page watches.
 */
describe('dashboard sign-in, share links and keys (FAKE engine; real orchestrator, Postgres, Next.js, Chromium)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let signedIn: BrowserContext;
  let page: Page;
  let sweepId: string;
  let shareUrl: string;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_didentity'));
    browser = await launchChromium();
    signedIn = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await signedIn.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('sends a signed-out visitor to /login, refuses a wrong password, and signs in with the right one', async () => {
    await page.goto(`${dashboardUrl}/launch`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/launch');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'login.png') });

    await page.getByLabel('E-mail').fill(stack.admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toBe('Wrong e-mail or password.');
    expect(await signedIn.cookies()).toEqual([]);

    await page.getByLabel('Password').fill(stack.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${dashboardUrl}/launch`);
    const [cookie] = await signedIn.cookies();
    expect(cookie).toMatchObject({ name: 'reslab_session', httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    expect(cookie?.value).toMatch(/^rsn_[A-Za-z0-9_-]{43}$/);
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000);
    // The nav names the user and their team, as GET /auth/me does.
    await expect(page.getByTestId('user-email').textContent()).resolves.toBe(stack.admin.email);
    await expect(page.getByTestId('user-teams').textContent()).resolves.toContain('demo (owner)');
  });

  it('launches a sweep into a project picked from GET /projects', async () => {
    await expect(page.getByTestId('launch-project').inputValue()).resolves.toBe('demo/default');
    await page.getByLabel('Sweep name').fill('shared sweep');
    await page.getByRole('checkbox', { name: 'plain' }).check();
    await page.getByRole('checkbox', { name: 'resnet', exact: true }).check();
    await page.getByLabel('Depths (layers)').fill('8');
    await page.getByLabel('Seeds').fill('0');
    await page.getByLabel('Dataset').selectOption('synthetic');
    await page.getByLabel('Validation images').fill('200');
    await page.getByLabel('Epochs').fill('3');
    await page.getByTestId('server-preview').waitFor();
    await page.getByTestId('launch-submit').click();
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    sweepId = page.url().split('/').pop() as string;
    const sweep = await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweepId}`);
    expect(sweep.status).toBe(200);
    expect(sweep.body.runs).toHaveLength(2);
    // No worker yet: the runs wait in the queue, so the shared page below sees them finish live.
    expect(sweep.body.runs.every((r) => r.status === 'queued')).toBe(true);
  });

  it('shares the sweep: the full link, shown once, and listed with the sweep’s links', async () => {
    await page.getByTestId('share-button').click();
    const link = page.getByTestId('share-link');
    await link.waitFor();
    shareUrl = await link.inputValue();
    expect(shareUrl).toMatch(new RegExp(`^${dashboardUrl}/s/rsl_[A-Za-z0-9_-]{43}$`));
    const row = page.getByTestId('share-row');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.getAttribute('data-state')).resolves.toBe('active');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'share-created.png'), fullPage: true });
  });

  it('opens the link without an account, read-only, and updates it live over the socket', async () => {
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shared = await anonymous.newPage();
    const response = await shared.goto(shareUrl);
    expect(response?.status()).toBe(200);
    await shared.getByRole('heading', { name: 'shared sweep' }).waitFor();
    await expect(shared.getByTestId('share-kind').getAttribute('data-kind')).resolves.toBe('sweep');
    await expect(shared.getByTestId('sweep-run-row').count()).resolves.toBe(2);
    await shared.getByTestId('stream-state').and(shared.locator('[data-state="live"]')).waitFor();
    // Read-only: no actions, no navigation, no links to pages the link does not open.
    await expect(shared.getByRole('navigation', { name: 'Main' }).count()).resolves.toBe(0);
    await expect(shared.getByRole('button', { name: /Cancel|Retry|Share|Launch/ }).count()).resolves.toBe(0);
    await expect(shared.locator('a[href^="/"]').count()).resolves.toBe(0);
    await shared.evaluate(() => {
      (window as unknown as { liveMarker: number }).liveMarker = 1;
    });

    await stack.startWorker('didentity-worker', {
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '300' },
    });
    await shared.locator('[data-testid="sweep-run-row"][data-status="succeeded"]').nth(1).waitFor({ timeout: 90_000 });
    await shared.getByTestId('depth-chart').waitFor();
    await expect(shared.evaluate(() => (window as unknown as { liveMarker?: number }).liveMarker)).resolves.toBe(1);
    await shared.screenshot({ path: join(ARTIFACTS_DIR, 'share-opened.png'), fullPage: true });

    // The link opens the sweep, and nothing else: the signed-in pages send the visitor to /login.
    await shared.goto(`${dashboardUrl}/sweeps/${sweepId}`);
    expect(new URL(shared.url()).pathname).toBe('/login');

    // Revoked from the sweep page, the link fails on the next load, with a page that says so.
    await shared.goto(shareUrl);
    await shared.getByTestId('stream-state').and(shared.locator('[data-state="live"]')).waitFor();
    await page.getByTestId('share-revoke').click();
    await page.locator('[data-testid="share-row"][data-state="revoked"]').waitFor();
    // The orchestrator drops the link's socket at once; the page notices, asks, and reloads into the revoked page.
    await shared.getByTestId('share-revoked').waitFor({ timeout: 30_000 });
    const reload = await shared.reload();
    expect(reload?.status()).toBe(404);
    await expect(shared.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'This link was revoked or has expired',
    );
    await shared.screenshot({ path: join(ARTIFACTS_DIR, 'share-revoked.png') });
    const token = new URL(shareUrl).pathname.split('/').pop() as string;
    expect((await api(stack, 'GET', '/shares/current', undefined, { token })).status).toBe(401);
    await anonymous.close();
  }, 150_000);

  it('shares a run and a comparison from their pages; each link opens that view, read-only', async () => {
    const runs = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweepId}`)).body.runs;
    const [first, second] = runs;
    if (!first || !second) throw new Error('the sweep has two runs');
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const shared = await anonymous.newPage();

    await page.goto(`${dashboardUrl}/runs/${first.id}`);
    await page.getByTestId('share-button').click();
    const runLink = await page.getByTestId('share-link').inputValue();
    await shared.goto(runLink);
    await shared.getByRole('heading', { name: first.name ?? '' }).waitFor();
    await expect(shared.getByTestId('share-kind').getAttribute('data-kind')).resolves.toBe('run');
    await expect(shared.getByTestId('metric-row').count()).resolves.toBe(3 * 2 + 1);
    await shared.getByTestId('stream-state').and(shared.locator('[data-state="live"]')).waitFor();
    await expect(shared.getByRole('button', { name: /Cancel|Retry|Share/ }).count()).resolves.toBe(0);
    await expect(shared.locator('a[href^="/"]').count()).resolves.toBe(0);

    await page.goto(`${dashboardUrl}/compare?ids=${first.id}&ids=${second.id}`);
    await page.getByTestId('share-button').click();
    const compareLink = await page.getByTestId('share-link').inputValue();
    await shared.goto(compareLink);
    await shared.getByTestId('compare-chart').waitFor();
    await expect(shared.getByTestId('share-kind').getAttribute('data-kind')).resolves.toBe('comparison');
    const series = JSON.parse((await shared.getByTestId('compare-chart').getAttribute('data-series')) ?? '[]');
    expect(series).toHaveLength(2);
    await expect(shared.locator('a[href^="/"]').count()).resolves.toBe(0);
    await shared.screenshot({ path: join(ARTIFACTS_DIR, 'share-comparison.png'), fullPage: true });
    await anonymous.close();
  });

  it('shows the team’s members and its audit log: who launched, shared and revoked, and through what', async () => {
    const demo = await teamId(stack, 'demo');
    await page.goto(`${dashboardUrl}/teams/${demo}`);
    await page.locator(`[data-testid="member-row"][data-email="${stack.admin.email}"][data-role="owner"]`).waitFor();
    const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.dataset.action));
    expect(actions).toEqual(expect.arrayContaining(['sweep.create', 'share.create', 'share.revoke']));
    const launched = page.locator('[data-testid="audit-row"][data-action="sweep.create"]');
    await expect(launched.textContent()).resolves.toContain(stack.admin.email);
    // Launched from the dashboard: through the session the login form made.
    await expect(launched.textContent()).resolves.toContain('session rsn_');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'team.png'), fullPage: true });
  });

  it('makes an API key shown once, which works until it is revoked', async () => {
    await page.goto(`${dashboardUrl}/keys`);
    await page.getByLabel('Name').fill('e2e script');
    await page.getByTestId('key-create').click();
    const secret = await page.getByTestId('key-secret').inputValue();
    expect(secret).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    const me = await api<WhoAmIDto>(stack, 'GET', '/auth/me', undefined, { token: secret });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(stack.admin.email);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'keys.png'), fullPage: true });

    const row = page.locator('[data-testid="key-row"]').filter({ hasText: 'e2e script' });
    await row.getByTestId('key-revoke').click();
    await page.locator('[data-testid="key-row"][data-state="revoked"]').filter({ hasText: 'e2e script' }).waitFor();
    expect((await api(stack, 'GET', '/auth/me', undefined, { token: secret })).status).toBe(401);
    // Shown once: a reload lists the key by its prefix only.
    await page.reload();
    await expect(page.getByTestId('key-secret').count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(secret);
  });

  it('signs out: the session is revoked, and the pages send the browser to /login again', async () => {
    const [cookie] = await signedIn.cookies();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${dashboardUrl}/login`);
    expect(await signedIn.cookies()).toEqual([]);
    expect((await api(stack, 'GET', '/auth/me', undefined, { token: cookie?.value ?? '' })).status).toBe(401);
    await page.goto(`${dashboardUrl}/runs`);
    expect(new URL(page.url()).pathname).toBe('/login');
    // A cookie whose session the orchestrator no longer honours (here: the one just revoked) also ends at
    // /login, from the API's 401, and comes back to the page asked for.
    if (cookie) await signedIn.addCookies([cookie]);
    await page.goto(`${dashboardUrl}/sweeps/${sweepId}`);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/sweeps/${sweepId}`);
  });
});
