/**
 * Share links in the dashboard's terms: what object a link is of, and which
 * of the team's links belong to the object a page shows.
 */
import type { CreateShareRequest, ShareDto } from '@reslab/contracts';

/** What a page can share: its run, its sweep, or the runs it compares. */
export type ShareTarget =
  | { kind: 'run'; runId: string }
  | { kind: 'sweep'; sweepId: string }
  | { kind: 'comparison'; runIds: string[] };

/** CreateShareRequest allows 2 to 20 runs in a comparison. */
export const MAX_SHARED_RUNS = 20;

export function shareRequest(target: ShareTarget, expiresAt?: string): CreateShareRequest {
  const expiry = expiresAt ? { expiresAt } : {};
  if (target.kind === 'run') return { kind: 'run', runId: target.runId, ...expiry };
  if (target.kind === 'sweep') return { kind: 'sweep', sweepId: target.sweepId, ...expiry };
  return { kind: 'comparison', runIds: target.runIds, ...expiry };
}

/** The links that open exactly this object (a comparison of the same runs in any order counts). */
export function sharesOf(shares: ShareDto[], target: ShareTarget): ShareDto[] {
  return shares.filter((s) => {
    if (s.kind !== target.kind) return false;
    if (target.kind === 'run') return s.runIds.length === 1 && s.runIds[0] === target.runId;
    if (target.kind === 'sweep') return s.sweepId === target.sweepId;
    const wanted = new Set(target.runIds);
    return s.runIds.length === wanted.size && s.runIds.every((id) => wanted.has(id));
  });
}

export type ShareState = 'active' | 'revoked' | 'expired';

export function shareState(share: Pick<ShareDto, 'revokedAt' | 'expiresAt'>, now: number): ShareState {
  if (share.revokedAt) return 'revoked';
  if (share.expiresAt && Date.parse(share.expiresAt) <= now) return 'expired';
  return 'active';
}

/** Expiry choices offered next to the Share and Create-key buttons, in days; `null` lasts until revoked. */
export const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: 'never (until revoked)', days: null },
  { label: 'in 1 day', days: 1 },
  { label: 'in 7 days', days: 7 },
  { label: 'in 30 days', days: 30 },
  { label: 'in 90 days', days: 90 },
];

export function expiryFromDays(days: number | null, now: number): string | undefined {
  return days === null ? undefined : new Date(now + days * 86_400_000).toISOString();
}
