import type { TeamRole } from '@reslab/contracts';

/** Who a request speaks for, as the AccessGuard resolved it from its credential. */
export type Principal = UserPrincipal | WorkerPrincipal | SharePrincipal;

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  instanceAdmin: boolean;
  /** teamId -> role. */
  roles: ReadonlyMap<string, TeamRole>;
  credential: { kind: 'session' | 'apiKey'; id: string; prefix: string };
  address: string | null;
}

export interface WorkerPrincipal {
  kind: 'worker';
  workerId: string;
  /** null: a shared worker, serving every team. */
  teamId: string | null;
  credential: { kind: 'workerSecret'; id: string; prefix: string };
  address: string | null;
}

/** A share link: read-only, limited to the runs (and sweep) it names. */
export interface SharePrincipal {
  kind: 'share';
  linkId: string;
  teamId: string;
  sweepId: string | null;
  /** The runs of a run or comparison link; for a sweep link, all runs of `sweepId`. */
  runIds: readonly string[];
  credential: { kind: 'shareLink'; id: string; prefix: string };
  address: string | null;
}

/** The workers a principal may list: its teams' and the shared ones (a share link sees none). */
export function workersVisibleTo<W extends { teamId: string | null }>(
  principal: Principal | undefined,
  workers: W[],
): W[] {
  if (principal?.kind !== 'user') return [];
  return workers.filter((w) => w.teamId === null || principal.roles.has(w.teamId));
}
