import { LRUCache } from 'lru-cache';
import type { AuthenticatedUser } from './auth.decorators';

interface Verified {
  readonly user: AuthenticatedUser;
  /** Epoch ms after which the token must be verified again. */
  readonly until: number;
}

/** Enough for every active user of an instance; an evicted token is only verified again. */
const MAX_TOKENS = 10_000;

/**
 * Users of tokens verified in the last `maxAgeSeconds`, keyed by the token itself: signature
 * verification is the largest cost of an authenticated memory hit, and a dashboard sends the same
 * token with every request. An entry never outlives the token's `exp`, nor `maxAgeSeconds`, so a
 * key removed from the key set stops being accepted at most that long after the verifier itself
 * would refuse it. Only successes are remembered.
 */
export class VerifiedTokenCache {
  private readonly entries = new LRUCache<string, Verified>({ max: MAX_TOKENS });

  constructor(
    private readonly maxAgeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): AuthenticatedUser | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (this.now() < entry.until) return entry.user;
    this.entries.delete(token);
    return undefined;
  }

  /** `expiresAt`: the token's `exp` claim (epoch seconds). */
  set(token: string, user: AuthenticatedUser, expiresAt: number): void {
    if (this.maxAgeSeconds === 0) return;
    const until = Math.min(expiresAt * 1000, this.now() + this.maxAgeSeconds * 1000);
    if (until > this.now()) this.entries.set(token, { user, until });
  }
}
