import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from './principal.js';
import type { DataScope, TeamSet } from './team-scope.js';

/**
 * What the request being served may touch, carried through its async calls
 * (AsyncLocalStorage, as nestjs-cls does). The middleware opens an empty
 * holder for each HTTP request; the AccessGuard fills it; the Prisma extension
 * (scoped-prisma.ts) reads it on every query.
 *
 * Outside any request (the queue, the repair and retention jobs) there is no
 * holder and queries are unscoped: those are the orchestrator's own work.
 */
export interface RequestScope {
  principal: Principal | null;
  /** null until the guard has run: every team query is refused meanwhile. */
  data: DataScope | null;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Express middleware: one holder per request, open for everything the request awaits. */
export function openRequestScope(_req: unknown, _res: unknown, next: () => void): void {
  storage.run({ principal: null, data: null }, next);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

const SYSTEM: DataScope = { read: 'all', write: 'all', userId: null, share: null, system: true };

/**
 * Runs `fn` with the orchestrator's own authority: for the few steps that must
 * see past the caller's teams (looking up a credential, creating a team the
 * caller will own, trading an enrolment token). Each call site says why.
 */
export function asSystem<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  const outer = storage.getStore();
  // Awaited inside: Prisma's queries are lazy and run at `then`, which must happen within the scope.
  return storage.run({ principal: outer?.principal ?? null, data: SYSTEM }, async () => await fn());
}

/** The teams the current request may write to; 'all' outside a request. */
export function writableTeams(): TeamSet {
  const scope = storage.getStore();
  if (!scope) return 'all';
  return scope.data?.write ?? new Set();
}
