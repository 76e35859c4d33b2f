import { Inject, Injectable } from '@nestjs/common';
import type { TeamRole } from '@reslab/contracts';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CredentialRevocations } from './credential-revocations.js';

/** A session or API key as its last lookup found it, unrevoked, with its user's teams. */
export interface CachedCredential {
  kind: 'session' | 'apiKey';
  id: string;
  prefix: string;
  /** Checked on every request, from here: a credential that expires while cached is refused at once. */
  expiresAt: Date | null;
  /** When lastSeenAt / lastUsedAt was last written, so the 60 s touch cadence holds with the cache. */
  touchedAt: Date | null;
  user: { id: string; email: string; instanceAdmin: boolean; roles: ReadonlyMap<string, TeamRole> };
}

/**
 * Looking a key up is most of a request's cost (benchmarks/RESULTS.md, "MLflow against ResLab"); this keeps
 * resolved credentials for a few seconds, keyed by the token's SHA-256 (never the token). Every change that can
 * alter the answer (a credential revoked, a member added, removed or given another role) reaches it through
 * CredentialRevocations on this replica, and through the stream gateway's replica notices on the others, and drops
 * the entries at once; the TTL is only the backstop for a change made without one (e.g. by SQL).
 */
@Injectable()
export class PrincipalCache {
  /** Entries (one per live credential); the least recently used goes first. */
  static readonly MAX = 10_000;

  private readonly entries: LRUCache<string, CachedCredential>;
  /**
   * Counts invalidations. A lookup that started before one may have read the row before the change: it is not
   * stored (see `remember`), or a revocation racing a request could be cached for the whole TTL.
   */
  private generation = 0;

  constructor(revocations: CredentialRevocations, @Inject(APP_CONFIG) config: AppConfig) {
    // The TTL (RESLAB_PRINCIPAL_CACHE_SECONDS, 5 s by default) is the backstop.
    this.entries = new LRUCache({ max: PrincipalCache.MAX, ttl: config.principalCacheSeconds * 1000 });
    revocations.onCredentialRevoked((id) => this.forgetCredential(id));
    revocations.onUserChanged((userId) => this.forgetUser(userId));
  }

  get(tokenHash: string): CachedCredential | undefined {
    return this.entries.get(tokenHash);
  }

  /** The generation to hand back to `remember` after the lookup. */
  startLookup(): number {
    return this.generation;
  }

  remember(tokenHash: string, credential: CachedCredential, lookupStartedAt: number): void {
    if (lookupStartedAt === this.generation) this.entries.set(tokenHash, credential);
  }

  forgetCredential(id: string): void {
    this.forget((c) => c.id === id);
  }

  forgetUser(userId: string): void {
    this.forget((c) => c.user.id === userId);
  }

  /** Rare (revocations and membership changes), so a scan of at most MAX entries is fine. */
  private forget(match: (credential: CachedCredential) => boolean): void {
    this.generation += 1;
    const stale = [...this.entries.entries()].filter(([, credential]) => match(credential));
    for (const [hash] of stale) this.entries.delete(hash);
  }
}
