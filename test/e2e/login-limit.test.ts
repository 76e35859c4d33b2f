import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../support/identity.js';
import { api, type Stack, startStack } from '../support/stack.js';

/** Failed sign-ins are limited per account (5 in 15 minutes) and per address (20), real orchestrator. */
describe('sign-in attempts are rate-limited', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_login_limit');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const login = (email: string, password: string) =>
    api<{ message: string; retryAfterSeconds?: number }>(
      stack,
      'POST',
      '/auth/login',
      { email, password },
      { token: null },
    );

  it('refuses the sixth wrong password for an account with 429, and then even the right one, naming the wait', async () => {
    const victim = await createAccount(stack, 'victim');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(victim.email, 'wrong-password')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const locked = await login(victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body.message).toMatch(/too many failed sign-ins; try again in \d+ s/);
    expect(locked.body.retryAfterSeconds).toBeGreaterThan(0);
    // Another account from the same address is not locked by the first one's failures.
    expect((await login(stack.admin.email, stack.admin.password)).status).toBe(200);
  });

  it('limits one address across accounts: 20 failures, then 429 for any account', async () => {
    const statuses: number[] = [];
    // 5 failures were counted above on this address (the refused sixth try checked no password); 15 more reach
    // 20, across accounts that do not exist.
    for (let i = 0; i < 15; i++) statuses.push((await login(`nobody${i}@reslab.test`, 'wrong-password')).status);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect((await login('nobody-else@reslab.test', 'wrong-password')).status).toBe(429);
    expect((await login(stack.admin.email, stack.admin.password)).status).toBe(429);
  });
});
